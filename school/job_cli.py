"""``flask jobs ...``: run queue workers, warm the PDF cache after a deploy, list and retry jobs."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from school import jobs


@click.group("jobs")
def group() -> None:
    """The job queue that builds PDFs (JOB_QUEUE: redis or embedded)."""


@group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run a worker: each job in a process forked for it (needs JOB_QUEUE=redis)."""
    queue = jobs.queue()
    if queue.backend != "redis":
        raise click.ClickException(
            "JOB_QUEUE is embedded: the web process runs the jobs itself. "
            "Set REDIS_URL (and JOB_QUEUE=redis) to run workers."
        )
    from school import printing

    printing.load_engine()  # once here: every work horse forked for a job starts with it
    queue.work(burst=burst)


@group.command("warm")
@click.option("--wait", is_flag=True, help="Build everything before returning.")
@with_appcontext
def warm(wait: bool) -> None:
    """Queue the builds of every current document that is not in the PDF cache, and the
    storing of every edition file not stored yet. ``make serve`` runs it after a deploy."""
    from school import hooks

    submitted = sum(warmer() for _name, warmer in sorted(hooks.pdf_warmers.items()))
    click.echo(f"Queued {submitted} builds.")
    queue = jobs.queue()
    if wait or queue.backend == "embedded":  # an embedded queue ends with this process
        queue.drain(timeout=current_app.config["JOB_TIMEOUT"] * max(submitted, 1))
        summary = queue.summary(0)
        click.echo(f"Built; {summary.counts[jobs.FAILED]} failed.")


@group.command("list")
@with_appcontext
def list_jobs() -> None:
    """The jobs that wait, run and failed (with their errors)."""
    summary = jobs.queue().summary(50)
    workers = "" if summary.workers is None else f", {summary.workers} workers"
    click.echo(f"{summary.backend}{workers}: " + ", ".join(
        f"{count} {state}" for state, count in summary.counts.items()))  # fmt: skip
    for job in [*summary.running, *summary.waiting, *summary.failed]:
        click.echo(f"{job.state:8} {job.id}  {job.description}  {job.error}".rstrip())


@group.command("retry")
@click.argument("job_id")
@with_appcontext
def retry(job_id: str) -> None:
    """Run a failed job again."""
    if not jobs.queue().retry(job_id):
        raise click.ClickException(f"no failed job {job_id}")
    click.echo(f"Queued {job_id} again.")
