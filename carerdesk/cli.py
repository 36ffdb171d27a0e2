"""The command line: ``carerdesk``, a thin layer over the same operations as the screens.

Exit status 0 on success, 1 on a refused input (the reasons on standard error), 2 on wrong
usage. No command ever prints a traceback for a person's mistake.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from carerdesk.core.errors import CarerdeskError

F = TypeVar("F", bound=Callable[..., Any])


def refusals(fn: F) -> F:
    """Turn the errors a person can act on into a message on standard error and exit 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CarerdeskError as error:
            raise click.ClickException(error.message) from None

    return wrapper  # type: ignore[return-value]


class Context:
    """What the program's options chose: the register to use."""

    def __init__(self, db: str | None, database_url: str | None) -> None:
        self.db = db
        self.database_url = database_url

    def settings(self) -> Any:
        from carerdesk.settings import load_settings

        return load_settings(db=self.db, database_url=self.database_url)

    def engine(self) -> Any:
        """The register's engine, created or upgraded first."""
        from sqlalchemy.exc import SQLAlchemyError

        from carerdesk.db.engine import make_engine
        from carerdesk.db.migrate import upgrade

        engine = make_engine(self.settings().database_url)
        try:
            upgrade(engine)
        except SQLAlchemyError:
            raise CarerdeskError(
                "The register could not be opened: check that the file or database is a "
                "carerdesk register and that you may write to it."
            ) from None
        return engine


def _today() -> date:
    from carerdesk.app import london_now

    return london_now().date()


@click.group(invoke_without_command=True)
@click.option("--db", type=click.Path(dir_okay=False), help="A SQLite register file.")
@click.option("--database-url", help="Any SQLAlchemy URL, such as postgresql+psycopg://…")
@click.version_option(package_name="carerdesk")
@click.pass_context
def main(ctx: click.Context, db: str | None, database_url: str | None) -> None:
    """carerdesk: the front desk of a carers centre.

    With no command it opens the front-desk application on the register (by default
    register.sqlite in your data folder, created on first use).

    Example: carerdesk --db register.sqlite search Patel
    """
    ctx.obj = Context(db, database_url)
    if ctx.invoked_subcommand is None:
        _open_app(ctx.obj.settings())


def _open_app(settings: Any) -> None:
    from carerdesk.app import CarerdeskApp

    CarerdeskApp(settings.database_url, theme=settings.theme).run()


@main.command()
@click.pass_obj
@refusals
def init(obj: Context) -> None:
    """Create the register, or upgrade it to this version of carerdesk.

    Example: carerdesk --db register.sqlite init
    """
    from carerdesk.db.migrate import head_revision

    obj.engine()
    click.echo(f"The register is ready (version {head_revision()}).")


@main.command()
@click.option("--carers", default=2000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same register.")
@click.option("--no-open", is_flag=True, help="Only fill the register; do not open it.")
@click.pass_obj
@refusals
def demo(obj: Context, carers: int, seed: int, no_open: bool) -> None:
    """Fill a fresh demo register with invented people and open the application on it.

    Without --db the demo register is demo.sqlite in your data folder, replaced each time; a
    file named with --db must be new, or an earlier demo register.

    Example: carerdesk demo --carers 500 --seed 7
    """
    from carerdesk.demo import fill_demo
    from carerdesk.settings import data_dir

    path = Path(obj.db) if obj.db else data_dir() / "demo.sqlite"
    if obj.database_url:
        raise CarerdeskError("The demo fills a SQLite file: use --db, not --database-url.")
    _replace_demo_file(path)
    demo_ctx = Context(str(path), None)
    summary = fill_demo(demo_ctx.engine(), carers=carers, seed=seed, today=_today())
    click.echo(
        f"Demo register {path}: {summary.carers} carers, {summary.roles} caring roles, "
        f"{summary.contacts} contacts (all invented)."
    )
    if not no_open:
        _open_app(demo_ctx.settings())


def _replace_demo_file(path: Path) -> None:
    """Remove an earlier demo register at ``path``; refuse to touch anything else."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            row = connection.execute("SELECT value FROM settings WHERE key = 'demo'").fetchone()
    except sqlite3.Error:
        row = None
    if not row:
        raise CarerdeskError(
            f"{path.name} already exists and is not a demo register: it was left untouched. "
            "Name a new file with --db."
        )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@main.command()
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of the carers found.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500))
@click.pass_obj
@refusals
def search(obj: Context, text: str, as_json: bool, limit: int) -> None:
    """Find carers as the search box does: name, reference, phone or postcode.

    Example: carerdesk --db register.sqlite search "sian obrien" --json
    """
    from carerdesk.db.engine import unit_of_work
    from carerdesk.db.search import find_carers

    with unit_of_work(obj.engine(), write=False) as session:
        hits = find_carers(session, text, limit=limit)
    if as_json:
        rows = [
            {
                "reference": hit.reference,
                "first_name": hit.first_name,
                "last_name": hit.last_name,
                "preferred_name": hit.preferred_name,
                "date_of_birth": hit.date_of_birth.isoformat(),
                "postcode": hit.postcode,
                "status": hit.status,
                "matched": hit.matched,
            }
            for hit in hits
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("Nobody found.", err=True)
        return
    for hit in hits:
        closed = "  (closed)" if hit.status == "closed" else ""
        born = hit.date_of_birth.strftime("%d/%m/%Y")
        name = f"{hit.first_name} {hit.last_name}"
        click.echo(f"{hit.reference:<10} {name:<36} {born}  {hit.postcode or '':<9}{closed}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
