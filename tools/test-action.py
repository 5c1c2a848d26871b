#!/usr/bin/env python3
"""Runs the steps of action.yml on this machine as a GitHub runner would,
in four situations, and times the install in each:

  1. cold cache, a release with a prebuilt binary   -> installs the asset
  2. warm cache (the cache of run 1 restored)        -> installs nothing
  3. cold cache, a release whose asset was tampered  -> refuses, exit 1
  4. cold cache, no release                          -> builds from source

The release is made by tools/package-release.sh into a temporary folder
and served as file:// (curl reads it as it reads https://). The runner's
parts are emulated: `${{ ... }}` expressions, GITHUB_OUTPUT / GITHUB_PATH,
and actions/cache as a copy of ~/.tracelint keyed by the step's key.

Usage: tools/test-action.py [--skip-build]   (--skip-build: not run 4,
which compiles tracelint from source; making the release asset always runs
`cargo build --release`: quick with a warm target/, ~20 min without)
Needs python3 with PyYAML, curl, cargo.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_action(home, cache, release_base):
    """Runs action.yml's steps with HOME=home; returns (seconds, log, code)."""
    action = yaml.safe_load(open(os.path.join(REPO, "action.yml")))
    inputs = {k: v.get("default", "") for k, v in action.get("inputs", {}).items()}
    inputs["release-base"] = release_base
    os.makedirs(home, exist_ok=True)
    output_file = os.path.join(home, "github_output")
    path_file = os.path.join(home, "github_path")
    open(output_file, "w").close()
    open(path_file, "w").close()
    context = {
        "runner.os": "Linux",
        "runner.arch": "X64",
        "github.server_url": "https://github.com",
        "github.action_repository": "OWNER/tracelint",
        "github.action_ref": "v0.1.0",
    }
    for name, value in inputs.items():
        context[f"inputs.{name}"] = value
    outputs = {}

    def expand(text):
        def one(match):
            expr = match.group(1).strip()
            fmt = re.fullmatch(r"format\('([^']*)',\s*(.*)\)", expr)
            if fmt:
                args = [context.get(a.strip(), "") for a in fmt.group(2).split(",")]
                return re.sub(r"\{(\d+)\}", lambda m: args[int(m.group(1))], fmt.group(1))
            if expr.startswith("steps."):
                _, step, _, name = expr.split(".")
                return outputs[step][name]
            return context[expr]

        return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))

    log = []
    saves = []
    start = time.monotonic()
    for step in action["runs"]["steps"]:
        if step.get("uses", "").startswith("actions/cache@"):
            key = expand(step["with"]["key"])
            path = os.path.expanduser(step["with"]["path"]).replace(
                os.path.expanduser("~"), home
            )
            stored = os.path.join(cache, key)
            if os.path.isdir(stored):
                shutil.copytree(stored, path, dirs_exist_ok=True)
                log.append(f"cache: restored {key}")
            else:
                log.append(f"cache: miss {key}")
                saves.append((stored, path))
            continue
        env = dict(os.environ)
        env.update({k: expand(v) for k, v in step.get("env", {}).items()})
        # A fresh HOME for ~/.tracelint; the toolchain stays where it is.
        real_home = os.path.expanduser("~")
        env.setdefault("RUSTUP_HOME", os.path.join(real_home, ".rustup"))
        env.setdefault("CARGO_HOME", os.path.join(real_home, ".cargo"))
        env.update(
            HOME=home,
            GITHUB_ACTION_PATH=REPO,
            GITHUB_OUTPUT=output_file,
            GITHUB_PATH=path_file,
        )
        result = subprocess.run(
            ["bash", "-e", "-c", expand(step["run"])],
            env=env,
            capture_output=True,
            text=True,
        )
        log.append(result.stdout + result.stderr)
        if result.returncode != 0:
            return time.monotonic() - start, "".join(log), result.returncode
        if "id" in step:
            outputs[step["id"]] = dict(
                line.split("=", 1)
                for line in open(output_file).read().splitlines()
                if "=" in line
            )
    # actions/cache saves at the end of a successful job.
    for stored, path in saves:
        shutil.copytree(path, stored)
    return time.monotonic() - start, "\n".join(log), 0


def main():
    skip_build = "--skip-build" in sys.argv
    work = tempfile.mkdtemp(prefix="tracelint-action-")
    cache = os.path.join(work, "cache")
    dist = os.path.join(work, "release")
    try:
        subprocess.run([os.path.join(REPO, "tools/package-release.sh"), dist], check=True)
        base = "file://" + dist
        results = []

        seconds, log, code = run_action(os.path.join(work, "home1"), cache, base)
        assert code == 0 and "prebuilt" in log, log
        results.append(("cold cache, prebuilt release asset", seconds))

        seconds, log, code = run_action(os.path.join(work, "home2"), cache, base)
        assert code == 0 and "cache: restored" in log and "cached build" in log, log
        results.append(("warm cache", seconds))

        tampered = os.path.join(work, "tampered")
        shutil.copytree(dist, tampered)
        asset = next(f for f in os.listdir(tampered) if f.endswith(".tar.gz"))
        with open(os.path.join(tampered, asset), "ab") as f:
            f.write(b"\0")
        seconds, log, code = run_action(
            os.path.join(work, "home3"), os.path.join(work, "cache3"), "file://" + tampered
        )
        assert code == 1 and "does not match its published SHA-256" in log, log
        assert not os.path.exists(os.path.join(work, "home3/.tracelint/bin/tracelint"))
        results.append(("tampered asset refused", seconds))

        if not skip_build:
            seconds, log, code = run_action(
                os.path.join(work, "home4"), os.path.join(work, "cache4"), ""
            )
            assert code == 0 and "built" in log, log
            results.append(("cold cache, no release: built from source", seconds))

        for what, seconds in results:
            print(f"test-action: {what}: {seconds:.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
