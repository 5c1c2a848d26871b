"""tracelint on Apache Spark: raw trace exports in, findings and events out
as Parquet datasets, the same findings as `tracelint check` on one machine.

The work is the tracelint binary's (`tracelint worker`, see its --help);
Spark brings the files to the executors, shuffles events by trace id, runs
the tasks (and runs them again when an executor is lost) and writes the
datasets. See `tracelint_spark.job` and the README's "On a Spark cluster".
"""

from .job import run

__all__ = ["run"]
