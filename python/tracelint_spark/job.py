"""The Spark job: trace export files -> `tracelint worker read` on each file
(in parallel) -> pending events -> `repartition` by trace_id (the shuffle
that brings a trace's spans from many files together) -> per partition,
`mapInArrow` into `tracelint worker check` -> events (store schema) and
finding rows -> `tracelint worker gather` on the driver -> the findings of
`tracelint check`, with its verdicts, summary and exit code.

Written to OUTPUT:

- `events/`: the events in the store's schema, a Parquet dataset
  partitioned by `date` (UTC day of `start_ns`), written by Spark;
- `findings/`: the report's findings table (`findings.parquet`'s columns,
  docs/schema.md), a Parquet dataset partitioned by `date` (UTC day of
  `trace_start`), written from the driver (findings are few);
- `check.json`: what `tracelint check --output-format json` prints.

Run it with spark-submit (the binary must be on every executor: on PATH,
at --binary, or shipped with `--files tracelint` and named `--binary
tracelint`, which is then taken from SparkFiles):

    spark-submit --master spark://HOST:7077 --files /path/to/tracelint \\
        "$(python -c 'import tracelint_spark.job as j; print(j.__file__)')" \\
        --input /mnt/traces/ --output out/ --binary tracelint

Inputs are files or directories on a file system every executor and the
driver see (local, NFS, or a mounted bucket); they are listed by the binary
as `tracelint check` lists them (`tracelint worker list`), which decides how
ties in start time break.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

# The column Spark adds to every row a worker step yields: set only on the
# one row per task that carries the step's accounting (JSON), the other
# columns of that row being null.
ACCOUNTING = "tracelint_accounting"
KIND = "tracelint_kind"


def expand(binary, paths):
    """The input files as `tracelint check` lists them (`tracelint worker
    list`: directories walked, globs expanded, hidden files and the
    project's own outputs left out), in its order: file i has index i."""
    done = run_binary([binary, "worker", "list", *paths])
    return [line for line in done.stdout.decode().split("\n") if line]


def binary_path(binary):
    """The tracelint binary on this machine: a path, a name on PATH, or a
    file shipped with --files (SparkFiles)."""
    if os.path.sep in binary and os.path.exists(binary):
        return binary
    try:
        from pyspark import SparkFiles

        shipped = SparkFiles.get(binary)
        if os.path.exists(shipped):
            os.chmod(shipped, 0o755)
            return shipped
    except Exception:
        pass
    found = shutil.which(binary)
    if not found:
        raise RuntimeError(f"tracelint binary {binary!r} not found (give --binary PATH or ship it with --files)")
    return found


def spark_type(t):
    """An Arrow type as Spark takes it: no large or view strings, no
    dictionaries, no unsigned integers (a u64 hash becomes the BIGINT of
    the same bits, as in the report's tables), timestamps in
    microseconds."""
    if pa.types.is_dictionary(t):
        return spark_type(t.value_type)
    if pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", lambda _: False)(t):
        return pa.string()
    if pa.types.is_large_binary(t) or getattr(pa.types, "is_binary_view", lambda _: False)(t):
        return pa.binary()
    if pa.types.is_large_list(t) or pa.types.is_list(t) or getattr(pa.types, "is_list_view", lambda _: False)(t):
        return pa.list_(spark_type(t.value_type))
    if pa.types.is_unsigned_integer(t):
        return pa.int64()
    if pa.types.is_timestamp(t):
        return pa.timestamp("us", tz=t.tz)
    return t


def spark_schema(schema):
    return pa.schema([pa.field(f.name, spark_type(f.type), nullable=True) for f in schema])


def conform(table, schema):
    """`table` with `schema`'s columns (missing ones null), cast to it."""
    columns = []
    for field in schema:
        if field.name in table.column_names:
            column = table.column(field.name)
            # A u64 hash becomes the BIGINT of the same bits.
            safe = not pa.types.is_unsigned_integer(column.type)
            columns.append(column.cast(field.type, safe=safe))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def accounting_row(schema, text):
    return conform(pa.table({ACCOUNTING: pa.array([text], pa.string())}), schema)


def run_binary(args):
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return done


def schemas(binary, detection):
    """The schemas of pending events, events and finding rows, as this
    binary writes them: found by running it on an empty input."""
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty.jsonl")
        open(empty, "w").close()
        pending = os.path.join(tmp, "pending.parquet")
        run_binary([binary, "worker", "read", empty, "-o", pending])
        rows, events = os.path.join(tmp, "rows.parquet"), os.path.join(tmp, "events.parquet")
        run_binary([binary, "worker", "check", pending, "-o", rows, "--events", events, *detection])
        return (
            pq.read_schema(pending),
            pq.read_schema(events),
            pq.read_schema(rows),
        )


def run(spark, inputs, output, binary="tracelint", partitions=None, detection=(), exit_zero=False, partition_by="date"):
    """Runs the job; returns the exit code of `tracelint check` (0 nothing
    gating, 1 gating findings, 2 no trace read). `detection`: check's flags (--select,
    --fail-on, --budget-tokens, --config FILE, ...). `partition_by`: the
    column the datasets are partitioned by, `date` (the UTC day of an
    event's `start_ns`, of a finding's `trace_start`) or a column both
    tables have (`trace_id`, ...)."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    detection = list(detection)
    local_binary = binary_path(binary)
    files = expand(local_binary, inputs)
    if not files:
        raise RuntimeError(f"no trace files in {inputs}")
    pending_schema, events_schema, rows_schema = schemas(local_binary, detection)
    read_schema = spark_schema(pending_schema.append(pa.field(ACCOUNTING, pa.string())))
    check_schema = spark_schema(
        pa.schema(
            [pa.field(KIND, pa.string())]
            + list(events_schema)
            + [f for f in rows_schema if f.name not in events_schema.names]
            + [pa.field(ACCOUNTING, pa.string())]
        )
    )
    # What the executors run is bound here, not in the closures' globals.
    reads = spark.createDataFrame(list(enumerate(files)), "file_index int, path string")
    reads = reads.repartition(min(len(files), spark.sparkContext.defaultParallelism * 4), "file_index")

    def read_files(batches):
        tracelint = binary_path(binary)
        for batch in batches:
            for index, path in zip(batch.column("file_index").to_pylist(), batch.column("path").to_pylist()):
                with tempfile.TemporaryDirectory() as tmp:
                    accounting = os.path.join(tmp, "accounting.json")
                    done = run_binary(
                        [tracelint, "worker", "read", path, "--file-index", str(index), "-o", "-", "--accounting", accounting]
                    )
                    table = pq.read_table(pa.BufferReader(done.stdout))
                    yield from conform(table, read_schema).to_batches()
                    yield from accounting_row(read_schema, open(accounting).read()).to_batches()

    read = reads.mapInArrow(read_files, from_arrow_schema(read_schema)).persist()
    read_accounting = [r[0] for r in read.where(F.col(ACCOUNTING).isNotNull()).select(ACCOUNTING).collect()]
    pending = read.where(F.col(ACCOUNTING).isNull()).drop(ACCOUNTING)
    partitions = partitions or spark.sparkContext.defaultParallelism * 2
    shuffled = pending.repartition(partitions, "trace_id")

    def check_partitions(batches):
        tracelint = binary_path(binary)
        table = pa.Table.from_batches(list(batches), schema=spark_schema(pending_schema))
        with tempfile.TemporaryDirectory() as tmp:
            paths = {name: os.path.join(tmp, name) for name in ("in.parquet", "rows.parquet", "events.parquet", "acc.json")}
            pq.write_table(table, paths["in.parquet"])
            run_binary(
                [tracelint, "worker", "check", paths["in.parquet"], "-o", paths["rows.parquet"],
                 "--events", paths["events.parquet"], "--accounting", paths["acc.json"], *detection]
            )
            events = pq.read_table(paths["events.parquet"])
            events = events.append_column(KIND, pa.array(["event"] * events.num_rows, pa.string()))
            yield from conform(events, check_schema).to_batches()
            rows = pq.read_table(paths["rows.parquet"])
            rows = rows.append_column(KIND, pa.array(["finding"] * rows.num_rows, pa.string()))
            yield from conform(rows, check_schema).to_batches()
            yield from accounting_row(check_schema, open(paths["acc.json"]).read()).to_batches()

    checked = shuffled.mapInArrow(check_partitions, from_arrow_schema(check_schema)).persist()
    check_accounting = [r[0] for r in checked.where(F.col(ACCOUNTING).isNotNull()).select(ACCOUNTING).collect()]
    events = checked.where(F.col(KIND) == "event").select(*events_schema.names)
    if partition_by == "date":
        # The UTC day by arithmetic: the session's time zone plays no part.
        events = events.withColumn(
            "date", F.date_from_unix_date(F.floor(F.col("start_ns") / 86_400_000_000_000).cast("int"))
        )
    elif partition_by not in events_schema.names:
        raise ValueError(f"--partition-by {partition_by!r}: not a column of the events")
    os.makedirs(output, exist_ok=True)
    events.write.mode("overwrite").partitionBy(partition_by).parquet(os.path.join(output, "events"))
    rows = checked.where(F.col(KIND) == "finding").select(*rows_schema.names).toArrow() if hasattr(
        checked, "toArrow"
    ) else pa.Table.from_pandas(checked.where(F.col(KIND) == "finding").select(*rows_schema.names).toPandas(), preserve_index=False)
    read.unpersist()
    checked.unpersist()

    # The driver gathers the findings: fingerprints and the gate over all.
    with tempfile.TemporaryDirectory() as tmp:
        rows_path = os.path.join(tmp, "rows.parquet")
        pq.write_table(rows.cast(rows_schema) if rows.num_rows else rows_schema.empty_table(), rows_path)
        accounting = []
        for k, text in enumerate(read_accounting + check_accounting):
            path = os.path.join(tmp, f"acc-{k}.json")
            with open(path, "w") as f:
                f.write(text)
            accounting.append(path)
        table = os.path.join(tmp, "findings.parquet")
        args = [local_binary, "worker", "gather", "--findings", rows_path, "--accounting", *accounting,
                "--findings-parquet", table, *detection]
        done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if done.stdout:
            with open(os.path.join(output, "check.json"), "wb") as f:
                f.write(done.stdout)
        if done.returncode == 2 and done.stdout:
            # check's error (no trace read): its JSON says why.
            sys.stderr.write(done.stderr.decode(errors="replace"))
            return 2
        if done.returncode not in (0, 1):
            raise RuntimeError(f"tracelint worker gather failed: {done.stderr.decode(errors='replace')}")
        findings = pq.read_table(table)
        if partition_by == "date":
            dates = pc.strftime(findings.column("trace_start"), format="%Y-%m-%d")
            findings = findings.append_column("date", dates)
        elif partition_by not in findings.column_names:
            raise ValueError(f"--partition-by {partition_by!r}: not a column of the findings")
        # The run's findings only: an earlier run's are removed, and a run
        # with none still leaves a (empty) dataset to read.
        findings_dir = os.path.join(output, "findings")
        shutil.rmtree(findings_dir, ignore_errors=True)
        if findings.num_rows:
            ds.write_dataset(
                findings, findings_dir, format="parquet",
                partitioning=[partition_by], partitioning_flavor="hive",
            )
        else:
            os.makedirs(findings_dir)
            pq.write_table(findings, os.path.join(findings_dir, "part-0.parquet"))
    return 0 if exit_zero else done.returncode


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", action="append", required=True, help="trace files or directories (repeatable)")
    parser.add_argument("--output", required=True, help="where events/, findings/ and check.json go")
    parser.add_argument("--binary", default=os.environ.get("TRACELINT_BINARY", "tracelint"))
    parser.add_argument("--partitions", type=int, help="partitions of the shuffle by trace_id")
    parser.add_argument("--exit-zero", action="store_true")
    parser.add_argument("--partition-by", default="date", help="date (default), or a column of both tables, e.g. trace_id")
    parser.add_argument("detection", nargs="*", help="check's flags after --, e.g. -- --fail-on warning")
    args = parser.parse_args(argv)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("tracelint").config("spark.sql.session.timeZone", "UTC").getOrCreate()
    try:
        code = run(spark, args.input, args.output, args.binary, args.partitions, args.detection, args.exit_zero,
                   args.partition_by)
    finally:
        spark.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
