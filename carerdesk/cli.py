"""The command line: ``carerdesk``, a thin layer over the same operations as the screens.

Exit status 0 on success, 1 on a refused input (the reasons on standard error), 2 on wrong
usage. No command ever prints a traceback, for a person's mistake or for an error nobody
expected: that one is a plain line with a code to quote, and the traceback (without local
values) goes to the failure log (``carerdesk.failure``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from carerdesk.core.errors import CarerdeskError, InvalidEntry
from carerdesk.core.permissions import SYSTEM, Actor, Can
from carerdesk.core.text import inert
from carerdesk.core.weeks import Week

F = TypeVar("F", bound=Callable[..., Any])


def refusals(fn: F) -> F:
    """Turn the errors a person can act on into a message on standard error and exit 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InvalidEntry as error:
            lines = [error.message, *(f"  {field}: {text}" for field, text in error.errors.items())]
            raise click.ClickException("\n".join(lines)) from None
        except CarerdeskError as error:
            raise click.ClickException(error.message) from None

    return wrapper  # type: ignore[return-value]


PIN_VARIABLE = "CARERDESK_PIN"


def _pin(prompt: str = "PIN", *, twice: bool = False) -> str:
    """The PIN from ``CARERDESK_PIN`` (scheduled jobs), or asked for without echo."""
    import os

    if (pin := os.environ.get(PIN_VARIABLE)) is not None:
        return pin
    if not sys.stdin.isatty():
        raise click.UsageError(f"Give the PIN in {PIN_VARIABLE}, or run this at a terminal.")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=twice, err=True))


class Context:
    """What the program's options chose: the register to use, and who is acting."""

    def __init__(self, db: str | None, database_url: str | None, user: str | None = None) -> None:
        self.db = db
        self.database_url = database_url
        self.user = user
        self._actor: Actor | None = None
        self._key: str | None = None
        self._unlocked: Any = None
        """The engine that checked the passphrase, kept for ``engine`` to use."""

    def actor(self, engine: Any, need: Can | None = None) -> Actor | None:
        """Who this command acts as: ``--user`` with their PIN, checked as at sign-in.

        None on a register with no accounts yet; once it has some, ``--user`` is needed.
        """
        from carerdesk.db import accounts
        from carerdesk.db.engine import unit_of_work

        if self._actor is None:
            if self.user is None:
                with unit_of_work(engine, write=False) as session:
                    if not accounts.has_users(session):
                        return None
                raise click.UsageError(
                    "This register has staff accounts: say who you are with --user NAME "
                    f"(the PIN from {PIN_VARIABLE}, or asked for)."
                )
            pin = _pin()
            with unit_of_work(engine) as session:
                outcome = accounts.sign_in(session, self.user, pin)
            self._actor = outcome.accepted()
        if need is not None:
            self._actor.require(need)
        return self._actor

    def settings(self) -> Any:
        from carerdesk.settings import load_settings

        return load_settings(db=self.db, database_url=self.database_url)

    def engine(self) -> Any:
        """The register's engine: checked, backed up once a day, created or upgraded."""
        from sqlalchemy.exc import SQLAlchemyError

        from carerdesk.db.backups import open_checked

        key = self.register_key()
        self.close()  # the engine that checked the passphrase: the register opens checked
        settings = self.settings()
        try:
            opened = open_checked(
                settings.database_url, key=key, plan=backup_plan(settings), now=_london_now()
            )
        except SQLAlchemyError:
            raise CarerdeskError(
                "The register could not be opened: check that the file or database is a "
                "carerdesk register and that you may write to it."
            ) from None
        if opened.warning:
            click.echo(opened.warning, err=True)
        return opened.engine

    def register_key(self) -> str | None:
        """The register's passphrase when its file is encrypted, checked against it (asked
        once at the terminal, or read from the ``passphrase_file`` setting); else None."""
        from carerdesk.db.encryption import is_encrypted
        from carerdesk.db.engine import register_file

        if self._key is None:
            settings = self.settings()
            path = register_file(settings.database_url)
            if path is None or not is_encrypted(path):
                return None
            self._key, self._unlocked = _unlock(settings.database_url, settings.passphrase_file)
        return self._key

    def choose_key(self, key: str) -> None:
        """Use ``key`` for a register being created encrypted (nothing to check it against)."""
        self._key = key

    def close(self) -> None:
        """Let go of the engine kept from checking the passphrase, if unused."""
        if self._unlocked is not None:
            self._unlocked.dispose()
            self._unlocked = None


def backup_plan(settings: Any) -> Any:
    """This machine's backups folder and how many it keeps (None: not a SQLite register)."""
    from carerdesk.db.backups import BackupPlan

    folder = settings.backups_folder()
    return BackupPlan(folder, settings.keep_backups) if folder is not None else None


def _london_now() -> Any:
    from carerdesk.app import london_now

    return london_now()


PASSPHRASE_FILE_VARIABLE = "CARERDESK_PASSPHRASE_FILE"
PASSPHRASE_TRIES = 3


def _unlock(url: str, passphrase_file: Path | None) -> tuple[str, Any]:
    """The passphrase of the encrypted register at ``url`` and an engine it opens: from the
    passphrase file, or asked for at the terminal without echo (three tries), before any
    screen starts, so it never passes through a widget, a worker or a traceback's locals."""
    from carerdesk.db.encryption import WrongPassphrase, open_register, read_passphrase_file

    if passphrase_file is not None:
        key = read_passphrase_file(passphrase_file)
        return key, open_register(url, key)
    if not sys.stdin.isatty():
        raise click.UsageError(
            "The register is encrypted: name a file holding its passphrase (readable by you "
            f"alone) in the passphrase_file setting or {PASSPHRASE_FILE_VARIABLE}, or run this "
            "at a terminal."
        )
    for attempt in range(1, PASSPHRASE_TRIES + 1):
        key = str(click.prompt("The register's passphrase", hide_input=True, err=True))
        try:
            return key, open_register(url, key)
        except WrongPassphrase as wrong:
            if attempt == PASSPHRASE_TRIES:
                raise
            click.echo(wrong.message, err=True)
    raise AssertionError("unreachable")


def _today() -> date:
    from carerdesk.app import london_now

    return london_now().date()


class FailSafeGroup(click.Group):
    """The command group: an error nobody expected, in any command, is one plain line on
    standard error with a code to quote, an entry in the failure log, and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; log and say plainly what nobody expected."""
        import errno

        given = list(ctx.args)  # the command's own words, before click hands them on
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, EOFError):
            raise  # click's own: usage, refusals, exits, Ctrl+D
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise  # output piped into a program that stopped reading: click's to handle
            if (where := _given_path(error, given)) is not None:
                # A typo in a path the person gave is theirs to fix, not a failure to quote.
                raise click.ClickException(
                    f"Could not use {where}: {error.strerror or 'refused'}. Check the path, "
                    "that its folder exists and that you may write there."
                ) from None
            _failed(error)
        except Exception as error:
            _failed(error)


def _given_path(error: OSError, args: list[str]) -> str | None:
    """The path named in ``error`` when it is one given on the command line, or inside one."""
    for name in (error.filename, error.filename2):
        if not isinstance(name, str | Path):
            continue
        failed = Path(name).expanduser().absolute()
        for arg in args:
            given = Path(arg.partition("=")[2] if arg.startswith("--") else arg).expanduser()
            if str(given) in (".", "") or (arg.startswith("-") and "=" not in arg):
                continue
            if failed == given.absolute() or given.absolute() in failed.parents:
                return str(name)
    return None


def _failed(error: Exception) -> NoReturn:
    from carerdesk.failure import record, say_in_one_line

    click.echo(say_in_one_line(record(error).code), err=True)
    raise click.exceptions.Exit(1) from None


@click.group(cls=FailSafeGroup, invoke_without_command=True)
@click.option("--db", type=click.Path(dir_okay=False), help="A SQLite register file.")
@click.option("--database-url", help="Any SQLAlchemy URL, such as postgresql+psycopg://…")
@click.option(
    "--user",
    metavar="NAME",
    help=f"Act as this staff member (any case); the PIN from {PIN_VARIABLE} or asked for.",
)
@click.version_option(package_name="carerdesk")
@click.pass_context
@refusals
def main(ctx: click.Context, db: str | None, database_url: str | None, user: str | None) -> None:
    """carerdesk: the front desk of a carers centre.

    With no command it opens the front-desk application on the register (by default
    register.sqlite in your data folder, created on first use), at the sign-in screen, or
    signed in already with --user.

    Example: carerdesk --db register.sqlite --user "sam staff" search Patel
    """
    ctx.obj = Context(db, database_url, user)
    if ctx.invoked_subcommand is None:
        actor = ctx.obj.actor(ctx.obj.engine()) if user else None
        key = ctx.obj.register_key()  # asked (and checked) before the screen takes over
        ctx.obj.close()
        _open_app(ctx.obj.settings(), actor, key=key)


def _open_app(settings: Any, actor: Actor | None = None, *, key: str | None = None) -> None:
    from carerdesk.app import CarerdeskApp

    app = CarerdeskApp(
        settings.database_url,
        theme=settings.theme,
        actor=actor,
        key=key,
        backups=backup_plan(settings),
    )
    app.run()
    if app.return_code:
        # Stopped by an error it could not carry on from: its plain line is already shown.
        raise click.exceptions.Exit(app.return_code)


@main.command()
@click.option("--organisation", metavar="NAME", help="Set up the organisation of this name…")
@click.option("--coordinator", metavar="NAME", help="…and its first coordinator.")
@click.option("--phone", default="", help="The phone number carers call (for cards and forms).")
@click.option("--card-prefix", default="", help="2 to 4 letters (default: the initials).")
@click.option(
    "--encrypt",
    is_flag=True,
    help="Create the register encrypted, under a passphrase chosen now (asked twice, or the "
    "passphrase_file setting).",
)
@click.pass_obj
@refusals
def init(
    obj: Context,
    organisation: str | None,
    coordinator: str | None,
    phone: str,
    card_prefix: str,
    encrypt: bool,
) -> None:
    """Create the register, or upgrade it to this version of carerdesk.

    With --organisation and --coordinator, also set up the organisation and its first
    coordinator, as the first-run screens do (the PIN from CARERDESK_PIN, or asked twice).
    With --encrypt, a new register is encrypted from its first byte (SQLCipher).

    Example: carerdesk --db register.sqlite init --encrypt --organisation "Harrow Carers"
    --coordinator "Casey Coordinator"
    """
    from carerdesk.db import accounts
    from carerdesk.db.engine import unit_of_work
    from carerdesk.db.migrate import head_revision

    if encrypt:
        _new_encrypted_register(obj)
    engine = obj.engine()
    click.echo(f"The register is ready (version {head_revision()}).")
    if organisation is None and coordinator is None:
        return
    if not organisation or not coordinator:
        raise click.UsageError("Give both --organisation and --coordinator, or neither.")
    pin = _pin("PIN for the coordinator", twice=True)
    with unit_of_work(engine) as session:
        done = accounts.set_up(
            session,
            {
                "organisation_name": organisation,
                "organisation_phone": phone,
                "card_prefix": card_prefix,
                "coordinator": coordinator,
                "pin": pin,
                "pin_again": pin,
            },
        )
        prefix = accounts.organisation(session)
    assert prefix is not None
    click.echo(
        f"Set up {prefix.name} (card prefix {prefix.card_prefix}) "
        f"with {done.actor.name} as coordinator."
    )
    _show_recovery_code(done.actor.name, done.recovery_code)


def _show_recovery_code(name: str, code: str) -> None:
    """A recovery code, shown this once (on standard error, kept out of redirected output)."""
    click.echo(
        f"\nRecovery code for {name}: {code}\n"
        "Write it down and keep it locked away. It is shown only now. If every coordinator is "
        f'locked out, carerdesk recover --user "{name}" sets a new PIN with it.',
        err=True,
    )


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
        f"{summary.contacts} contacts, {summary.cards} cards, {summary.referrals} referrals "
        "(all invented)."
    )
    if not no_open:
        _open_app(demo_ctx.settings())


def _replace_demo_file(path: Path) -> None:
    """Remove an earlier demo register at ``path``; refuse to touch anything else."""
    if not path.exists():
        from carerdesk.core.private_files import private_folder

        private_folder(path.parent)
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
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 500),
    help="At most this many (a page is 20 at most, whatever is asked).",
)
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Which page.")
@click.pass_obj
@refusals
def search(obj: Context, text: str, as_json: bool, limit: int, page: int) -> None:
    """Find carers as the search box does: name, reference, phone or postcode; one page of
    20 at a time (--page 2 for the next), each search in the audit trail.

    Example: carerdesk --db register.sqlite search "sian obrien" --json
    """
    from carerdesk.db.engine import unit_of_work
    from carerdesk.db.search import PAGE, find_carers

    engine = obj.engine()
    actor = obj.actor(engine, Can.FIND) or SYSTEM
    with unit_of_work(engine) as session:
        hits = find_carers(session, text, limit=limit, page=page, by=actor, today=_today())
    if len(hits) == min(limit, PAGE):
        click.echo(f"There may be more: --page {page + 1} for the next ones.", err=True)
    if as_json:
        rows = []
        for hit in hits:
            row: dict[str, str | None] = {
                "reference": hit.reference,
                "first_name": hit.first_name,
                "last_name": hit.last_name,
                "preferred_name": hit.preferred_name,
                "date_of_birth": hit.date_of_birth.isoformat() if hit.date_of_birth else None,
                "postcode": hit.postcode,
                "status": hit.status,
                "matched": hit.matched,
            }
            if not hit.details:
                del row["date_of_birth"], row["postcode"]
                row["age_band"] = hit.age_band
            rows.append(row)
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("Nobody found.", err=True)
        return
    for hit in hits:
        closed = "  (closed)" if hit.status == "closed" else ""
        born = f"{hit.date_of_birth:%d/%m/%Y}" if hit.date_of_birth else hit.age_band
        name = f"{hit.first_name} {hit.last_name}"
        click.echo(f"{hit.reference:<10} {name:<36} {born}  {hit.postcode or '':<9}{closed}")


@main.command()
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print the record as one JSON object.")
@click.pass_obj
@refusals
def show(obj: Context, reference: str, as_json: bool) -> None:
    """Print one carer's record as the record screen shows it to you (a volunteer: the name,
    reference, status and age band). Opening it is in the audit trail.

    Example: carerdesk --user "sam staff" show C000123 --json
    """
    from carerdesk.core.entries import CARER_FIELDS, field_text
    from carerdesk.db import carers
    from carerdesk.db.engine import unit_of_work
    from carerdesk.db.views import record_of

    engine = obj.engine()
    actor = obj.actor(engine, Can.FIND) or SYSTEM
    with unit_of_work(engine) as session:
        carer = carers.open_carer(session, reference.strip().upper(), by=actor, today=_today())
    record = record_of(carer)
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"{carer.reference}  {carer.name}  ({carer.status}, {carer.age_band})")
    for name, spec in CARER_FIELDS.items():
        if name in record and name not in ("first_name", "last_name"):
            click.echo(f"  {spec.label}: {field_text(record[name])}")
    parts = ("roles", "contacts", "cards", "referrals")
    click.echo("  " + ", ".join(f"{len(record[part])} {part}" for part in parts))


@main.group()
def audit() -> None:
    """Check and read the audit trail (coordinators).

    Example: carerdesk --user "casey coordinator" audit verify
    """


@audit.command("verify")
@click.pass_obj
@refusals
def audit_verify(obj: Context) -> None:
    """Check that no entry of the audit trail was altered, removed or added outside carerdesk.

    Exit status 1, naming the first bad entry, when one was. Entries signed with a key this
    desk does not hold (replaced with audit new-key) are checked for their order only: the
    verdict says so, exit status 0.

    Example: carerdesk --user "casey coordinator" audit verify
    """

    _verify_trail(obj)


def _verify_trail(obj: Context) -> None:
    """Verify the audit trail and print its verdict; a tampered trail is refused (exit 1)."""
    from carerdesk.db import audit as trail
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.VIEW_AUDIT) or SYSTEM
    with unit_of_work(engine, write=False) as session:
        verdict = trail.verify(session, by=actor)
    if not verdict.sound:
        raise CarerdeskError(
            f"The audit trail has been tampered with: {verdict.problem} "
            f"(the first {verdict.entries} entries are sound)."
        )
    click.echo(verdict.summary)


DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
"""A date on the command line: as the application shows them, or as ISO 8601."""


@audit.command("list")
@click.option("--person", default="", help="Entries by staff whose name contains this.")
@click.option("--record", default="", help="Entries about this carer reference or record id.")
@click.option(
    "--since",
    type=click.DateTime(DATE_FORMATS),
    help="From this date: DD/MM/YYYY (the desk's local time).",
)
@click.option(
    "--until",
    type=click.DateTime(DATE_FORMATS),
    help="To this date: DD/MM/YYYY (the desk's local time).",
)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.pass_obj
@refusals
def audit_list(obj: Context, person: str, record: str, since: Any, until: Any, limit: int) -> None:
    """List the audit trail, newest first: when, who, what, which record, which fields.

    Example: carerdesk --user "casey coordinator" audit list --record C000123
    """
    from carerdesk.core.validate import local_time
    from carerdesk.db import audit as trail
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.VIEW_AUDIT) or SYSTEM
    where = trail.TrailFilter(
        person=person,
        record=record,
        since=since.date() if since else None,
        until=until.date() if until else None,
    )
    with unit_of_work(engine, write=False) as session:
        found = trail.entries(session, where, by=actor, limit=limit)
        if not found:
            click.echo("No entries match.")
        for entry in found:
            what = " ".join(filter(None, [entry.action, entry.kind, entry.reference]))
            fields = f" [{entry.fields.replace(';', ', ')}]" if entry.fields else ""
            detail = f" ({entry.detail})" if entry.detail else ""
            # A name typed at sign-in is kept as typed (tidied since): shown, never acted on.
            line = (
                f"{entry.seq:>7} {local_time(entry.at):%Y-%m-%d %H:%M:%S} {entry.user_name:<24} "
                f"{what}{fields}{detail}"
            )
            click.echo(inert(line).rstrip())


@main.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--kind", type=click.Choice(["carers", "caring_roles", "contacts", "cards", "referrals"])
)
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Write the good rows; list the bad ones.")
@click.option(
    "--mapping",
    "mapping_name",
    metavar="MAP",
    help="Read another system's file through a mapping file (or a shipped mapping's name).",
)
@click.option(
    "--propose-mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="MAP",
    help="Write a proposed mapping for the file to MAP, to check and edit; import nothing.",
)
@click.option("--force", is_flag=True, help="With --propose-mapping: replace MAP if it exists.")
@click.pass_obj
@refusals
def import_files(
    obj: Context,
    path: Path,
    kind: str | None,
    dry_run: bool,
    skip_invalid: bool,
    mapping_name: str | None,
    propose_mapping: Path | None,
    force: bool,
) -> None:
    """Import register files: a folder of CSV files, one CSV file, or an XLSX workbook.

    Every row is checked first; each bad one is listed as file:line: column: what is wrong
    on standard error, and nothing is written unless every row is good (or --skip-invalid).
    Importing the same files again adds nothing and changes nothing. Another system's file
    is mapped once (--propose-mapping MAP.toml, then edit it) and read with --mapping.

    Example: carerdesk --user "casey coordinator" import register-files --dry-run
    """
    from carerdesk.db.engine import unit_of_work
    from carerdesk.export.importer import import_register, read_source

    engine = obj.engine()
    actor = obj.actor(engine, Can.IMPORT) or SYSTEM
    if propose_mapping is not None:
        _propose_mapping(path, propose_mapping, force=force)
        return
    sources = read_source(path, kind, _mapping(mapping_name) if mapping_name else None)
    with unit_of_work(engine) as session:
        outcome = import_register(
            session, actor, sources, today=_today(), dry_run=dry_run, skip_invalid=skip_invalid
        )
    for problem in outcome.problems:
        click.echo(str(problem), err=True)
    bad = len({(p.file, p.line) for p in outcome.problems})
    if outcome.problems and not skip_invalid:
        raise CarerdeskError(
            f"{bad} of {outcome.rows_read} rows need correcting (listed above): nothing was "
            "imported. Correct them, or import the good rows with --skip-invalid."
        )
    done = "Imported" if outcome.written else "Checked (dry run, nothing written)"
    skipped = f" {bad} bad rows skipped." if bad else ""
    click.echo(f"{done}: {outcome.summary()}.{skipped}")


@main.group()
def export() -> None:
    """Write files from the register: the register files (coordinators).

    Example: carerdesk --user "casey coordinator" export register --out register-files
    """


@export.command("register")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="A folder for the CSV files, or a .xlsx file for the workbook.",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None)
@click.option("--template", is_flag=True, help="Only the headers and one example row each.")
@click.pass_obj
@refusals
def export_register(obj: Context, out: Path, fmt: str | None, template: bool) -> None:
    """Write the whole register: six CSV files into a folder, or one XLSX workbook.

    The format follows --out (a name ending .xlsx is a workbook) unless --format is given.
    --template writes the headers and one invented example row, to fill in and import.

    Example: carerdesk --user "casey coordinator" export register --out register.xlsx
    """
    from carerdesk.export.register import export_and_record, not_written, write_template

    chosen = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    if chosen == "xlsx" and out.suffix.lower() != ".xlsx":
        out = out / "register.xlsx"
    if template:
        for path in write_template(out, fmt=chosen):
            click.echo(f"Wrote {path}")
        return
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.EXPORT) or SYSTEM
    try:
        written = export_and_record(
            lambda write: unit_of_work(engine, write=write), actor, out, fmt=chosen
        )
    except OSError as error:  # a full USB stick, a read-only folder: never a traceback
        raise not_written(error, out) from None
    counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in written.rows.items())
    for path in written.files:
        click.echo(f"Wrote {path}")
    click.echo(f"The register: {counts}.")


def _week_option(text: str | None) -> Week:
    from carerdesk.core.weeks import last_complete_week, parse_week

    return parse_week(text) if text else last_complete_week(_today())


def _formats(text: str) -> list[str]:
    from carerdesk.export.weekly import FORMATS

    chosen = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not chosen or any(part not in FORMATS for part in chosen):
        raise CarerdeskError("--format takes csv, xlsx or csv,xlsx.")
    return chosen


@export.command("return")
@click.option("--week", help="The ISO week, such as 2026-W47 (default: the last complete week).")
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="A folder."
)
@click.option("--format", "formats", default="csv", help="csv, xlsx or csv,xlsx (default csv).")
@click.option(
    "--suppress-under",
    type=click.IntRange(min=2),
    default=None,
    help="Write counts from 1 to N-1 as <N, for publication.",
)
@click.option("--amend", is_flag=True, help="Make an amended return for a week returned before.")
@click.pass_obj
@refusals
def export_return(
    obj: Context,
    week: str | None,
    out: Path,
    formats: str,
    suppress_under: int | None,
    amend: bool,
) -> None:
    """Write the weekly return to the commissioner (coordinators): counts only.

    A week returned before whose figures have moved since is refused, with the figures that
    moved (old -> new) on standard error; --amend then makes the amended return.

    Example: carerdesk --user "casey coordinator" export return --week 2026-W47 --out returns
    """
    from carerdesk.core.returns import moved as moved_figures
    from carerdesk.db.engine import unit_of_work
    from carerdesk.db.returns import FiguresMoved
    from carerdesk.export.weekly import export_return as write_return

    chosen_week = _week_option(week)
    chosen = _formats(formats)
    engine = obj.engine()
    actor = obj.actor(engine, Can.MAKE_RETURN) or SYSTEM
    try:
        made = write_return(
            lambda write: unit_of_work(engine, write=write),
            actor,
            chosen_week,
            out,
            today=_today(),
            formats=chosen,
            suppress_under=suppress_under,
            amend=amend,
        )
    except FiguresMoved as moved:
        for change in moved.changes:
            click.echo(str(change), err=True)
        raise CarerdeskError(
            f"{moved.message} Nothing was written; add --amend to make the amended return."
        ) from None
    except OSError as error:
        raise CarerdeskError(
            f"{out} cannot be written to ({error.strerror}): nothing was made."
        ) from None
    if made.amended is not None:
        for change in moved_figures(made.amended.figures, made.figures):
            click.echo(f"Amended: {change}")
    for path in made.files:
        click.echo(f"Wrote {path}")
    total = {(f.measure, f.breakdown): f.value for f in made.figures}
    click.echo(
        f"{chosen_week.label}: {total['new_registrations', 'total']} new registrations, "
        f"{total['contacts', 'total']} contacts, register size {total['register_size', 'total']}"
        + (" (amended)" if made.amended else "")
        + "."
    )


@main.group()
def cards() -> None:
    """Carer cards: those due for renewal, and printing several on A4 sheets.

    Example: carerdesk --user "sam staff" cards due --days 30
    """


@cards.command("due")
@click.option("--days", type=click.IntRange(min=0, max=366), default=30, show_default=True)
@click.pass_obj
@refusals
def cards_due(obj: Context, days: int) -> None:
    """List the active cards that end within --days (or have ended), soonest first.

    Example: carerdesk --user "sam staff" cards due --days 14
    """
    from carerdesk.db import cards as card_ops
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.ISSUE_CARDS) or SYSTEM
    with unit_of_work(engine, write=False) as session:
        due = card_ops.expiring_cards(session, _today(), days, by=actor)
    for card in due:
        click.echo(
            f"{card.expires_on:%d/%m/%Y}  {card.card_number:<12} {card.reference:<8} "
            f"{card.card_type.replace('_', ' '):<18} {card.name}"
        )
    click.echo(f"{len(due)} cards end within {days} days.")


@cards.command("print")
@click.argument("numbers", nargs=-1)
@click.option(
    "--due",
    "due_days",
    type=click.IntRange(min=0, max=366),
    default=None,
    help="Instead of numbers: renew every card ending within this many days (or ended), "
    "and print the renewed cards.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
@refusals
def cards_print(obj: Context, numbers: tuple[str, ...], due_days: int | None, out: Path) -> None:
    """Print cards ten to an A4 sheet (fronts, then their backs for two-sided printing).

    With --due, the cards due for renewal (those `cards due` lists) are renewed first, in one
    go: each gets a new card of its type from today, the old one is replaced, and the sheet
    holds the new cards. A card that cannot be renewed as it is (an emergency card with no
    emergency contact, a young carer card of someone about to turn 18) is listed and left
    for the desk.

    Example: carerdesk --user "sam staff" cards print HD00000018 HD00000026 --out cards.pdf

    Example: carerdesk --user "casey coordinator" cards print --due 30 --out renewals.pdf
    """
    from carerdesk.core.private_files import write_private
    from carerdesk.db import cards as card_ops
    from carerdesk.db import carers
    from carerdesk.db.engine import unit_of_work
    from carerdesk.export.cards import batch_pdf, card_print

    engine = obj.engine()
    actor = obj.actor(engine, Can.ISSUE_CARDS) or SYSTEM
    # One transaction: the renewals are kept only once their sheet is written.
    with unit_of_work(engine) as session:
        if due_days is not None:
            if numbers:
                raise CarerdeskError("Give card numbers or --due DAYS, not both.")
            renewals = card_ops.renew_due_cards(session, _today(), due_days, by=actor)
            for renewal in renewals:
                old = renewal.due
                if renewal.card is None:
                    click.echo(
                        f"Not renewed: {old.card_number} ({old.reference}): {renewal.refused}",
                        err=True,
                    )
                else:
                    click.echo(
                        f"Renewed {old.card_number} (ended {old.expires_on:%d/%m/%Y}) as "
                        f"{renewal.card.card_number}, valid to {renewal.card.expires_on:%d/%m/%Y}"
                    )
            numbers = tuple(r.card.card_number for r in renewals if r.card is not None)
        prints = []
        for number in numbers:
            card = card_ops.find_card(session, number, by=actor)
            if card is None:
                raise CarerdeskError(f"No card has the number {number}.")
            # Each holder's record is read to print it: in the trail as opened, as on screen.
            carers.open_carer(session, card.carer_id, by=actor)
            prints.append(card_print(session, card.id, actor))
        if not prints:
            raise CarerdeskError(
                "No cards to print: give their numbers, or --due DAYS."
                if due_days is None
                else f"No card ending within {due_days} days could be renewed."
            )
        write_private(out, batch_pdf(prints))  # readable by its owner only
    click.echo(f"Wrote {out}: {len(prints)} cards.")


RECOVERY_VARIABLE = "CARERDESK_RECOVERY_CODE"


@main.command()
@click.option("--user", "name", metavar="NAME", help="The coordinator (or --user before recover).")
@click.pass_obj
@refusals
def recover(obj: Context, name: str | None) -> None:
    """Set a coordinator's new PIN with their recovery code, lifting any lockout.

    The code is asked for unseen (or CARERDESK_RECOVERY_CODE), then the new PIN twice (or
    CARERDESK_PIN). The code works once: a new one is shown, to write down in its place.

    Example: carerdesk --db register.sqlite recover --user "Casey Coordinator"
    """
    import os

    from carerdesk.db import accounts
    from carerdesk.db.engine import unit_of_work

    who = name or obj.user
    if not who:
        raise click.UsageError("Say whose PIN to set: --user NAME.")
    if (code := os.environ.get(RECOVERY_VARIABLE)) is None:
        if not sys.stdin.isatty():
            raise click.UsageError(
                f"Give the recovery code in {RECOVERY_VARIABLE}, or run this at a terminal."
            )
        code = str(click.prompt("Recovery code", hide_input=True, err=True))
    pin = _pin("New PIN (4 to 8 digits)", twice=True)
    engine = obj.engine()
    with unit_of_work(engine) as session:
        outcome = accounts.recover(session, who, code, pin)
    done = outcome.accepted()
    assert done.actor is not None
    click.echo(f"{done.actor.name} has a new PIN and may sign in now.")
    _show_recovery_code(done.actor.name, done.recovery_code)


@main.command("recovery-code")
@click.pass_obj
@refusals
def recovery_code(obj: Context) -> None:
    """Make a new recovery code for the coordinator signed in (the old one stops working).

    Example: carerdesk --user "casey coordinator" recovery-code
    """
    from carerdesk.db import accounts
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.MANAGE_USERS)
    if actor is None:
        raise CarerdeskError("This register has no accounts yet: set it up with init first.")
    with unit_of_work(engine) as session:
        code = accounts.make_recovery_code(session, actor)
    _show_recovery_code(actor.name, code)


@main.group()
def settings() -> None:
    """Read and change the organisation's settings (coordinators).

    Example: carerdesk --user "casey coordinator" settings set idle_lock_minutes 3
    """


@settings.command("list")
@click.pass_obj
@refusals
def settings_list(obj: Context) -> None:
    """List every setting a coordinator may change, with its value now.

    Example: carerdesk --user "casey coordinator" settings list
    """
    from carerdesk.core.permissions import SETTINGS
    from carerdesk.db import accounts
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.CHANGE_SETTINGS) or SYSTEM
    with unit_of_work(engine, write=False) as session:
        values = accounts.settings(session, actor)
    for key, value in values.items():
        click.echo(f"{key:<22} {value:<24} {SETTINGS[key].label}")


@settings.command("set")
@click.argument("key")
@click.argument("value")
@click.pass_obj
@refusals
def settings_set(obj: Context, key: str, value: str) -> None:
    """Change one setting; it is checked first, and the change is in the audit trail.

    Example: carerdesk --user "casey coordinator" settings set pin_hash_memory_kib 131072
    """
    from carerdesk.db import accounts
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.CHANGE_SETTINGS) or SYSTEM
    with unit_of_work(engine) as session:
        stored = accounts.change_setting(session, actor, key, value)
    click.echo(f"{key} is now {stored or 'empty'}.")


@main.command("duplicates")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per pair.")
@click.pass_obj
@refusals
def duplicates_command(obj: Context, limit: int, as_json: bool) -> None:
    """List the pairs of records that are probably one person, best first (coordinators).

    Each pair has a score out of 100 and its reasons; a pair scored 90 or more is as good as
    certain. Merge them on the Duplicates screen.

    Example: carerdesk --user "casey coordinator" duplicates --limit 20
    """
    from carerdesk.db import duplicates
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.MERGE) or SYSTEM
    with unit_of_work(engine, write=False) as session:
        found = duplicates.scan(session, by=actor, limit=limit)
    for pair in found:
        if as_json:
            sides = [
                {"reference": side.reference, "name": side.name,
                 "date_of_birth": side.date_of_birth.isoformat(), "status": side.status}
                for side in (pair.first, pair.second)
            ]  # fmt: skip
            row = {"score": pair.match.score, "reasons": list(pair.match.reasons), "pair": sides}
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        one, other = (
            f"{side.reference} {side.name} ({side.date_of_birth:%d/%m/%Y})"
            for side in (pair.first, pair.second)
        )
        click.echo(f"{pair.match.score:>3}  {one}  ~  {other}  {'; '.join(pair.match.reasons)}")
    if not found and not as_json:
        click.echo("No probable duplicates.")


PASSPHRASE_VARIABLE = "CARERDESK_EVENT_PASSPHRASE"


def _passphrase(*, twice: bool = False) -> str:
    """The event's passphrase from ``CARERDESK_EVENT_PASSPHRASE``, or asked for unseen."""
    import os

    if (text := os.environ.get(PASSPHRASE_VARIABLE)) is not None:
        return text
    if not sys.stdin.isatty():
        raise click.UsageError(
            f"Give the passphrase in {PASSPHRASE_VARIABLE}, or run this at a terminal."
        )
    return str(
        click.prompt("The event's passphrase", hide_input=True, confirmation_prompt=twice, err=True)
    )


@main.group()
def event() -> None:
    """Community events: an encrypted register on a laptop, imported into the main one.

    Example: carerdesk event start carers-week.event --name "Carers Week stall" --venue
    "St Ann's" --date 10/06/2026 --volunteer "Robin Volunteer"
    """


@event.command("start")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="What the event is called.")
@click.option("--venue", required=True, help="Where it is.")
@click.option("--date", "day", required=True, help="The day, DD/MM/YYYY.")
@click.option("--volunteer", required=True, help="Who runs the desk (signs in with a PIN).")
@click.option("--no-open", is_flag=True, help="Only create the event's file.")
@refusals
def event_start(file: Path, name: str, venue: str, day: str, volunteer: str, no_open: bool) -> None:
    """Start an event: a new file, encrypted under a passphrase you choose now (asked twice,
    or CARERDESK_EVENT_PASSPHRASE), with your account (PIN asked, or CARERDESK_PIN); then
    open it.

    Example: carerdesk event start carers-week.event --name "Carers Week stall" --venue
    "St Ann's" --date 10/06/2026 --volunteer "Robin Volunteer"
    """
    from carerdesk.db import events

    passphrase = events.check_passphrase(_passphrase(twice=True))
    pin = _pin("Your PIN for the event (4 to 8 digits)", twice=True)
    info = events.start_event(
        file, passphrase, name=name, venue=venue, day=day, volunteer=volunteer, pin=pin
    )
    click.echo(f"Started {info.name} at {info.venue} on {info.day:%d/%m/%Y}: {file}.")
    if not no_open:
        # Signed in with the PIN just chosen (as --user signs in): no second sign-in screen.
        _open_event(file, passphrase, signed_in=(volunteer, pin))


def _open_event(file: Path, passphrase: str, signed_in: tuple[str, str] | None = None) -> None:
    """The desk on an event's file, held open until it ends (``event close`` waits for it);
    ``signed_in``: the name and PIN of whoever starts at the desk, without a sign-in screen."""
    from carerdesk.app import CarerdeskApp
    from carerdesk.db import accounts, events
    from carerdesk.db.engine import sqlite_url, unit_of_work
    from carerdesk.settings import load_settings

    with events.held_open(file):
        engine = events.open_event(file, passphrase)
        try:
            actor = None
            if signed_in is not None:
                with unit_of_work(engine) as session:
                    actor = accounts.sign_in(session, *signed_in).accepted()
        finally:
            engine.dispose()
        theme = load_settings().theme
        CarerdeskApp(sqlite_url(file), theme=theme, key=passphrase, event=True, actor=actor).run()


@event.command("open")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@refusals
def event_open(file: Path) -> None:
    """Open an event's file in the application (its passphrase asked, or
    CARERDESK_EVENT_PASSPHRASE).

    Example: carerdesk event open carers-week.event
    """
    from carerdesk.db import events

    events.refuse_if_open(file)  # said before the passphrase is asked for
    _open_event(file, _passphrase())


@event.command("close")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@refusals
def event_close(file: Path) -> None:
    """Close an event: every page of its file is checked, and it is left as one file to
    hand to the coordinator.

    Example: carerdesk event close carers-week.event
    """
    from carerdesk.db import events

    events.refuse_if_open(file, closing=True)  # said before the passphrase is asked for
    info = events.close_event(file, _passphrase())
    click.echo(
        f"Closed {info.name} ({info.day:%d/%m/%Y}): {info.carers} carers registered, "
        f"{info.contacts} contacts. Give {file} to your coordinator, and the passphrase "
        "separately (not in the same email or bag)."
    )


@event.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@click.option(
    "--same", "same", multiple=True, metavar="EVENTREF=REF",
    help="This event carer is this register's carer (repeat for each).",
)  # fmt: skip
@click.option(
    "--new", "new", multiple=True, metavar="EVENTREF",
    help="Add this event carer as new, though the register has a certain match.",
)  # fmt: skip
@click.pass_obj
@refusals
def event_import(
    obj: Context, file: Path, dry_run: bool, same: tuple[str, ...], new: tuple[str, ...]
) -> None:
    """Bring an event's registrations into this register, all or nothing, once: a certain
    match joins the record the register has (unless --new), any other carer is added as new
    (unless --same). Importing the same file again adds nothing.

    Example: carerdesk --user "casey coordinator" event import carers-week.event --dry-run
    """
    from carerdesk.db import carers, events
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.IMPORT) or SYSTEM
    event_file = events.read_event(file, _passphrase())
    with unit_of_work(engine, write=not dry_run) as session:
        plan = events.plan_import(session, event_file, by=actor)
        by_reference = {incoming.reference: incoming for incoming in plan}
        decisions = events.proposed(plan, apart=new)
        for pair in same:
            event_ref, _, register_ref = pair.partition("=")
            incoming = by_reference.get(event_ref.strip().upper())
            if incoming is None or not register_ref:
                raise CarerdeskError(f"--same {pair}: give EVENTREF=REF, such as C000003=C001234.")
            decisions[incoming.id] = carers.get_carer(
                session, register_ref.strip().upper(), by=actor
            ).id
        for incoming in plan:
            decision = decisions.get(incoming.id)
            if incoming.done:
                verdict = f"imported before, as {incoming.done}"
            elif decision is not None:
                verdict = "joins " + next(
                    (name for i, name, _ in incoming.matches if i == decision), decision
                )
            else:
                verdict = "new"
            click.echo(f"{incoming.reference} {incoming.name}: {verdict}")
            for _, name, match in incoming.matches:
                if decision is None and not incoming.done:
                    click.echo(f"    maybe {name} ({match.score}: {'; '.join(match.reasons)})")
        if dry_run:
            click.echo("Nothing written (--dry-run).")
            return
        outcome = events.import_event(session, event_file, decisions, by=actor)
    click.echo(
        f"Imported {event_file.info.name}: {outcome.added} new carers, {outcome.joined} joined "
        f"to records the register had, {outcome.already} imported before; "
        f"{outcome.roles} caring roles, {outcome.contacts} contacts."
    )


@main.group()
def services() -> None:
    """The services the centre refers carers to (changes: coordinators).

    Example: carerdesk --user "casey coordinator" services add "Harrow Dementia Café"
    --counts-as dementia_support --contact "020 7946 0456"
    """


@services.command("list")
@click.pass_obj
@refusals
def services_list(obj: Context) -> None:
    """Every service: its code, name, return category, referrals and contact details.

    Example: carerdesk services list
    """
    from carerdesk.db import destinations
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.REFER) or SYSTEM
    with unit_of_work(engine, write=False) as session:
        counts = destinations.usage(session, by=actor)
        for service in destinations.services(session, by=actor):
            state = f"retired {service.retired_on}" if service.retired_on else "offered"
            used = counts.get(service.code, 0)
            click.echo(
                f"{service.code:<30} {service.name:<32} counts as {service.counts_as:<28} "
                f"{state:<18} {used:>6} referrals  {service.contact or ''}".rstrip()
            )


def _service_texts(name: str | None, contact: str | None, counts_as: str | None) -> dict[str, str]:
    given = {"name": name, "contact": contact, "counts_as": counts_as}
    return {key: value for key, value in given.items() if value is not None}


def _change_services(obj: Context, change: Callable[[Any, Actor], str]) -> str:
    """Run one change to the list of services, as the coordinator signed in, in one
    transaction; returns what ``change`` says was done."""
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.CHANGE_SETTINGS) or SYSTEM
    with unit_of_work(engine) as session:
        return change(session, actor)


@services.command("add")
@click.argument("name")
@click.option("--contact", help="How to reach them, printed on the referral form.")
@click.option("--counts-as", required=True, help="The weekly return's category (a code).")
@click.pass_obj
@refusals
def services_add(obj: Context, name: str, contact: str | None, counts_as: str) -> None:
    """Add a service at the end of the list; it is offered for new referrals.

    Example: carerdesk --user "casey coordinator" services add "Harrow Dementia Café"
    --counts-as dementia_support
    """
    from carerdesk.db import destinations

    texts = _service_texts(name, contact, counts_as)
    code = _change_services(
        obj, lambda session, by: destinations.add_service(session, by, texts).code
    )
    click.echo(f"Added {name} as {code}.")


@services.command("change")
@click.argument("code")
@click.option("--name", help="The service's new name.")
@click.option("--contact", help="How to reach them, printed on the referral form.")
@click.option("--counts-as", help="The return's category (only while no referral names it).")
@click.pass_obj
@refusals
def services_change(
    obj: Context, code: str, name: str | None, contact: str | None, counts_as: str | None
) -> None:
    """Rename a service or change its contact details; its code and referrals stay.

    Example: carerdesk --user "casey coordinator" services change counselling
    --contact "Talking therapies, 020 7946 0777"
    """
    from carerdesk.db import destinations

    texts = _service_texts(name, contact, counts_as)
    shown = _change_services(
        obj, lambda session, by: destinations.change_service(session, by, code, texts).name
    )
    click.echo(f"{code} is now {shown}.")


@services.command("retire")
@click.argument("code")
@click.pass_obj
@refusals
def services_retire(obj: Context, code: str) -> None:
    """No longer offer a service for new referrals; those made keep its name.

    Example: carerdesk --user "casey coordinator" services retire employment_support
    """
    from carerdesk.db import destinations

    today = _today()
    _change_services(
        obj, lambda session, by: destinations.retire_service(session, by, code, today).name
    )
    click.echo(f"{code} is retired.")


@services.command("restore")
@click.argument("code")
@click.pass_obj
@refusals
def services_restore(obj: Context, code: str) -> None:
    """Offer a retired service again.

    Example: carerdesk --user "casey coordinator" services restore employment_support
    """
    from carerdesk.db import destinations

    _change_services(obj, lambda session, by: destinations.restore_service(session, by, code).name)
    click.echo(f"{code} is offered again.")


# Erasure and retention review (issue 15, items 3 and 4).


@main.command("erase")
@click.argument("reference")
@click.option("--reason", required=True, help="Why (kept in the audit trail: no names).")
@click.option("--yes", is_flag=True, help="Do not ask for the reference again.")
@click.pass_obj
@refusals
def erase_command(obj: Context, reference: str, reason: str, yes: bool) -> None:
    """Erase a carer's record (coordinators): every personal detail blanked for good, only
    the coded values the weekly return counts kept. Asks for the reference again unless
    --yes. The returns already made do not change.

    Example: carerdesk --user "casey coordinator" erase C000123 --reason "asked to be forgotten"
    """
    from carerdesk.db import erasure
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.ERASE) or SYSTEM
    confirm = reference
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("Confirm with --yes, or run this at a terminal.")
        confirm = str(
            click.prompt(f"This cannot be undone. Type {reference} again to erase it", err=True)
        )
    with unit_of_work(engine) as session:
        done = erasure.erase_carer(
            session, reference, confirm=confirm, reason=reason, by=actor, today=_today()
        )
    click.echo(f"{done.reference} is erased.")
    if done.weeks_moved:
        click.echo("Weeks already returned whose figures it moved: " + ", ".join(done.weeks_moved))


@main.command("retention")
@click.option("--kept", is_flag=True, help="List the records kept at a review instead.")
@click.option("--keep", "keep", metavar="REF", help="Keep this record, with --reason.")
@click.option("--reason", help="Why the record is kept (no names).")
@click.pass_obj
@refusals
def retention_command(obj: Context, kept: bool, keep: str | None, reason: str | None) -> None:
    """List the records due for a retention review (coordinators): closed, or without
    contact, for longer than the retention_years setting, the longest idle first.
    Erase them with the erase command or on the Retention screen (F11).

    Example: carerdesk --user "casey coordinator" retention --keep C000123 --reason
    "safeguarding enquiry open"
    """
    from carerdesk.db import retention
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    actor = obj.actor(engine, Can.ERASE) or SYSTEM
    today = _today()
    if keep is not None:
        if not reason:
            raise click.UsageError("Say why the record is kept: --reason TEXT.")
        with unit_of_work(engine) as session:
            again = retention.keep_record(session, keep, reason=reason, by=actor, today=today)
        click.echo(f"{keep.upper()} is kept; it is due for review again on {again:%d/%m/%Y}.")
        return
    with unit_of_work(engine, write=False) as session:
        years = retention.retention_years(session)
        found = (retention.kept_records if kept else retention.due_for_review)(
            session, by=actor, today=today
        )
    for record in found:
        line = f"{record.reference:<9} {inert(record.name):<30} {record.last_activity:%d/%m/%Y} "
        line += record.activity
        if kept:
            line += f"; kept {record.kept_on:%d/%m/%Y}: {inert(record.kept_reason or '')}"
            line += f"; due again {record.review_from:%d/%m/%Y}"
        click.echo(line)
    if not found:
        click.echo("None kept." if kept else f"No record has been idle for over {years} years.")


# --- Data protection: subject access (issue 15, item 1) ---------------------------------


@main.command("sar")
@click.argument("reference")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write into (a folder named after the reference and day is made in it).",
)
@click.pass_obj
@refusals
def sar(obj: Context, reference: str, out: Path) -> None:
    """Subject access: everything held about one carer, as a JSON file and an A4 PDF in
    plain English, for the carer (coordinators). The request is in the audit trail.

    Example: carerdesk --user "casey coordinator" sar C000123 --out /media/usb
    """
    from carerdesk.db.access import subject_access
    from carerdesk.db.engine import unit_of_work
    from carerdesk.export.access import write_access

    engine = obj.engine()
    actor = obj.actor(engine, Can.SUBJECT_ACCESS) or SYSTEM
    # One transaction: the request is recorded only once its files are written.
    with unit_of_work(engine) as session:
        copy = subject_access(session, reference.strip().upper(), by=actor, today=_today())
        written = write_access(copy, out)
    for path in written:
        click.echo(str(path))


# --- Encryption at rest of the main register (issue 15, item 8) ----------------------------


NOT_A_FILE_TO_ENCRYPT = (
    "Encryption at rest is for a register kept in a SQLite file: a database server keeps its "
    "data encrypted with its own settings."
)
NOT_A_FILE_TO_BACK_UP = (
    "Backups here are of a SQLite register file; back up a PostgreSQL register with its own "
    "tools (pg_dump)."
)


def _register_file(obj: Context, otherwise: str) -> Path:
    """The register's SQLite file; ``otherwise`` is the refusal for a database server."""
    from carerdesk.db.engine import register_file

    path = register_file(obj.settings().database_url)
    if path is None:
        raise CarerdeskError(otherwise)
    return path


def _new_register_passphrase(passphrase_file: Path | None) -> str:
    """A new passphrase for the register: from ``passphrase_file`` (readable by its owner
    alone), or chosen at the terminal (asked twice, without echo)."""
    from carerdesk.db.encryption import check_passphrase, read_passphrase_file

    if passphrase_file is not None:
        return check_passphrase(read_passphrase_file(passphrase_file))
    if not sys.stdin.isatty():
        raise click.UsageError(
            "Choose the passphrase at a terminal, or put it in a file readable by you alone "
            f"and name it (the passphrase_file setting, {PASSPHRASE_FILE_VARIABLE}, or "
            "--new-passphrase-file for rekey)."
        )
    text = click.prompt(
        "Choose the register's passphrase (at least 10 characters: three or four words)",
        hide_input=True,
        confirmation_prompt="The same passphrase again",
        err=True,
    )
    return check_passphrase(str(text))


def _keep_it_safe() -> None:
    click.echo(
        "Keep the passphrase safe, apart from the laptop: without it nobody, not even you, can "
        "read the register.",
        err=True,
    )


def _new_encrypted_register(obj: Context) -> None:
    """``init --encrypt``: a new register file, keyed from its first byte; an existing one
    is upgraded as it is (an encrypted one opens with its passphrase)."""
    from carerdesk.db.encryption import is_encrypted

    path = _register_file(obj, NOT_A_FILE_TO_ENCRYPT)
    if path.exists() and path.stat().st_size > 0:
        if is_encrypted(path):
            return  # already encrypted: opened with its passphrase as usual
        raise CarerdeskError(
            f"{path} already holds a register that is not encrypted; it was left as it was. "
            "carerdesk encrypt encrypts it."
        )
    obj.choose_key(_new_register_passphrase(obj.settings().passphrase_file))
    _keep_it_safe()


@main.command("encrypt")
@click.pass_obj
@refusals
def encrypt_command(obj: Context) -> None:
    """Encrypt the register (SQLCipher) under a passphrase chosen now: asked twice, or read
    from the passphrase_file setting. A coordinator's task; refused while carerdesk has the
    register open elsewhere on this computer.

    The register is copied into a new encrypted file, which is checked and then takes the
    plain file's place: stopped half way, the register is left as it was. From then on
    carerdesk asks for the passphrase when it starts (or reads the passphrase_file).

    Example: carerdesk --user "casey coordinator" encrypt
    """
    from carerdesk.db.encryption import encrypt_register, is_encrypted

    path = _register_file(obj, NOT_A_FILE_TO_ENCRYPT)
    if is_encrypted(path):
        raise CarerdeskError(
            "The register is encrypted already: carerdesk rekey changes its passphrase."
        )
    engine = obj.engine()
    try:
        actor = obj.actor(engine, Can.CHANGE_SETTINGS) or SYSTEM
    finally:
        engine.dispose()
    key = _new_register_passphrase(obj.settings().passphrase_file)
    rows = encrypt_register(path, key, by=actor)
    click.echo(f"The register is encrypted ({rows:,} rows copied and checked): {path}.")
    _keep_it_safe()
    click.echo(
        "Backups, exports and returns made before now are not encrypted: delete those you no "
        "longer need, and keep the rest locked away.",
        err=True,
    )


@main.command("rekey")
@click.option(
    "--new-passphrase-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the new passphrase from this file (readable by you alone), not the terminal.",
)
@click.pass_obj
@refusals
def rekey_command(obj: Context, new_passphrase_file: Path | None) -> None:
    """Change the encrypted register's passphrase: the current one is asked for (or read
    from the passphrase_file setting), then the new one twice. A coordinator's task; refused
    while carerdesk has the register open elsewhere on this computer.

    Example: carerdesk --user "casey coordinator" rekey
    """
    from carerdesk.db.encryption import is_encrypted, rekey_register

    path = _register_file(obj, NOT_A_FILE_TO_ENCRYPT)
    if not is_encrypted(path):
        raise CarerdeskError("The register is not encrypted: carerdesk encrypt encrypts it.")
    engine = obj.engine()
    try:
        actor = obj.actor(engine, Can.CHANGE_SETTINGS) or SYSTEM
    finally:
        engine.dispose()
    key = obj.register_key()
    assert key is not None
    new_key = _new_register_passphrase(new_passphrase_file)
    if new_key == key:
        raise CarerdeskError("The new passphrase is the one the register has: nothing was changed.")
    rows = rekey_register(path, key, new_key, by=actor)
    click.echo(f"The register's passphrase is changed ({rows:,} rows copied and checked).")
    if (kept := obj.settings().passphrase_file) is not None and kept != new_passphrase_file:
        click.echo(
            f"Put the new passphrase in {kept} (the passphrase_file setting): the old one no "
            "longer opens the register.",
            err=True,
        )
    _keep_it_safe()


# --- Backups, restoring and checking the register (issue 15, items 5, 6 and 11) ------------


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the backup to this new file (default: a new file in the backups folder).",
)
@click.pass_obj
@refusals
def backup(obj: Context, out: Path | None) -> None:
    """Back up the register now, while desks go on working (coordinators).

    Without --out the backup goes into the backups folder (the "backups" setting), which
    keeps the newest 14 (the "keep_backups" setting). Only you may read the file it makes.

    Example: carerdesk --user "casey coordinator" backup --out /media/usb/register-copy.sqlite
    """
    from carerdesk.db import audit as trail
    from carerdesk.db.backups import backup_now, make_backup
    from carerdesk.db.engine import unit_of_work

    register = _register_file(obj, NOT_A_FILE_TO_BACK_UP)
    if out is not None and out.exists():
        raise CarerdeskError(f"{out} already exists: name a new file.")
    engine = obj.engine()
    try:
        actor = obj.actor(engine, Can.EXPORT) or SYSTEM
        with unit_of_work(engine) as session:
            # A backup copies every record: recorded as an export is (not the file's name).
            trail.record(session, actor, trail.Action.EXPORTED, kind="backup")
        key = obj.register_key()
        if out is not None:
            made = make_backup(engine, out, key=key)
        else:
            plan = backup_plan(obj.settings())
            made = backup_now(engine, plan, register, at=_london_now(), key=key)
    finally:
        engine.dispose()
    click.echo(f"Backed up the register to {made}.")


def _backup_passphrase(obj: Context) -> str:
    """The passphrase of an encrypted backup: from the passphrase file, or asked."""
    from carerdesk.db.encryption import read_passphrase_file

    settings = obj.settings()
    if settings.passphrase_file is not None:
        return read_passphrase_file(settings.passphrase_file)
    if not sys.stdin.isatty():
        raise click.UsageError(
            "The backup is encrypted: name a file holding its passphrase (readable by you "
            f"alone) in the passphrase_file setting or {PASSPHRASE_FILE_VARIABLE}, or run this "
            "at a terminal."
        )
    return str(click.prompt("The backup's passphrase", hide_input=True, err=True))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
@refusals
def restore(obj: Context, file: Path) -> None:
    """Put a backup in place of the register: the backup is checked in full first, the current
    file is kept aside (its name says when), and nothing is done while carerdesk has the
    register open anywhere on this computer.

    Needs no --user: the register may be too damaged to check a PIN. Whoever may write the
    register's files on this computer may restore.

    Example: carerdesk restore ~/.local/share/carerdesk/backups/register-2026-12-01-091500.sqlite
    """
    from carerdesk.db import audit as trail
    from carerdesk.db.backups import restore_backup
    from carerdesk.db.encryption import is_encrypted
    from carerdesk.db.engine import make_engine

    register = _register_file(obj, NOT_A_FILE_TO_BACK_UP)
    incoming = file.expanduser()
    # An encrypted backup is checked and put in place under the register's passphrase (the
    # passphrase file named in the settings, or asked at the terminal); it is not checked
    # against the register being replaced, which may be too damaged to read.
    key = _backup_passphrase(obj) if incoming.is_file() and is_encrypted(incoming) else None
    done = restore_backup(incoming, register, key=key, now=_london_now())
    # The entries made since that backup are gone on purpose: the anchor log is told, so
    # that the audit check does not call them removed.
    restored = make_engine(obj.settings().database_url, key=key)
    try:
        trail.anchor_head(restored, f"restored from {incoming.name}", restored=True)
    finally:
        restored.dispose()
    if done.aside is not None:
        click.echo(f"The register before the restore is kept as {done.aside}.")
    click.echo(f"Restored {file} as the register {register}.")


@main.command()
@click.pass_obj
@refusals
def check(obj: Context) -> None:
    """Check the register in full: every page of the file (SQLite's integrity check) and the
    audit trail's chain (coordinators). Exit status 1 when anything is wrong.

    Example: carerdesk --user "casey coordinator" check
    """
    from carerdesk.db.backups import check_register, damage_message
    from carerdesk.db.engine import make_engine

    settings = obj.settings()
    register = _register_file(obj, NOT_A_FILE_TO_BACK_UP)
    if not register.is_file():
        raise CarerdeskError(f"There is no register at {register}.")
    raw = make_engine(settings.database_url, key=obj.register_key())
    try:
        problems = check_register(raw, full=True)
    finally:
        raw.dispose()
    if problems:
        for problem in problems[:20]:
            click.echo(f"  {problem}", err=True)
        raise CarerdeskError(
            f"The integrity check found {len(problems)} problem(s). "
            + damage_message(register, backup_plan(settings), problems=problems)
        )
    click.echo("The file is sound: SQLite's integrity check found no problem.")
    _verify_trail(obj)


# --- Consent history (issue 15, item 2) ---------------------------------------------------


@main.command("consent")
@click.argument("reference")
@click.option("--consent", "which", help="Record one: store, share or contact.")
@click.option("--given", help="yes (given) or no (withdrawn), with --consent.")
@click.option("--how", help="in_person, phone, written or online, with --consent.")
@click.option("--date", "day", help="The day they told us, DD/MM/YYYY (default today).")
@click.pass_obj
@refusals
def consent(
    obj: Context,
    reference: str,
    which: str | None,
    given: str | None,
    how: str | None,
    day: str | None,
) -> None:
    """A carer's consent history, newest first; with --consent, first record one given or
    withdrawn (staff; withdrawing consent to store closes the record).

    Example: carerdesk --user "sam staff" consent C000123 --consent share --given no --how phone
    """
    from carerdesk.core import codes
    from carerdesk.core.consents import check_consent
    from carerdesk.core.entries import field_text
    from carerdesk.db import consents
    from carerdesk.db.engine import unit_of_work

    engine = obj.engine()
    today = _today()
    wanted = reference.strip().upper()
    if which is not None:
        texts = {
            "consent": which,
            "given": given or "",
            "date": day or field_text(today),
            "how": how or "",
        }
        entry = check_consent(texts, today)
        actor = obj.actor(engine, Can.EDIT) or SYSTEM
        with unit_of_work(engine) as session:
            done = consents.record_consent(session, wanted, entry, by=actor, today=today)
        click.echo(f"Recorded for {done.reference}.")
        if done.closed:
            click.echo(
                f"The record is closed: they withdrew consent to keep their details. "
                f"A coordinator may now erase it: carerdesk erase {done.reference}."
            )
    actor = obj.actor(engine, Can.SEE_DETAILS) or SYSTEM
    with unit_of_work(engine, write=False) as session:
        entries = consents.consent_history(session, wanted, by=actor)
    for entry_view in entries:
        click.echo(
            f"{entry_view.on:%d/%m/%Y}  {codes.label(codes.CONSENT, entry_view.consent):<19}  "
            f"{codes.label(codes.CONSENT_GIVEN, field_text(entry_view.given)):<9}  "
            f"{codes.label(codes.CONSENT_HOW, entry_view.how, 'not known'):<9}  "
            f"{entry_view.recorded_by or ''}"
        )


# --- Data protection: a new audit key when the old one is lost (issue 15, item 10) ---------


@audit.command("new-key")
@click.option("--reason", required=True, help="Why (kept in the audit trail: no names).")
@click.option("--yes", is_flag=True, help="Do not ask to confirm.")
@click.pass_obj
@refusals
def audit_new_key(obj: Context, reason: str, yes: bool) -> None:
    """Sign the audit trail with this desk's key from now on, when the key it is signed with
    was lost for good with its desk (coordinators). Only for a desk that cannot be signed
    into for want of that key: copy the key file from the old desk if you still can. The
    entries written so far stay, checked from then on for their order, not their contents.

    Example: carerdesk --user "casey coordinator" audit new-key --reason "laptop died"
    """
    from carerdesk.db import accounts
    from carerdesk.db import audit as trail
    from carerdesk.db.engine import unit_of_work

    if obj.user is None:
        raise click.UsageError("Say who you are with --user NAME (a coordinator).")
    engine = obj.engine()
    with unit_of_work(engine, write=False) as session:
        change = trail.key_change(session)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("Confirm with --yes, or run this at a terminal.")
        click.echo(
            f"The audit trail is signed with key {change.old_key}, which this desk does not "
            f"hold. From entry {change.first_new} on it will be signed with this desk's key; "
            f"entries 1 to {change.first_new - 1} stay, but can then be checked for their "
            "order only, not their contents.",
            err=True,
        )
        click.confirm("Sign the trail with this desk's key from now on?", abort=True, err=True)
    pin = _pin()
    with unit_of_work(engine) as session:
        outcome = accounts.sign_in_with_new_audit_key(session, obj.user, pin, reason)
    outcome.accepted()
    key = trail.desk_key()
    assert key is not None
    click.echo(
        f"From entry {change.first_new} the audit trail is signed with this desk's key "
        f"{key.id}. Copy {key.path} with the backups to another safe place."
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


# Another system's spreadsheet (issue 16, mapping): --mapping and --propose-mapping of import.


def _mapping(name: str) -> Any:
    from carerdesk.export.mapped import find_mapping

    return find_mapping(name)


def _propose_mapping(path: Path, out: Path, *, force: bool) -> None:
    from carerdesk.core.mapping import TARGETS, unmapped_values
    from carerdesk.export.mapped import propose_file

    proposed, samples = propose_file(path, out, force=force)
    mapped = [column for column in proposed.columns if column.target]
    click.echo(
        f"Wrote a proposed mapping to {out}: {len(mapped)} of {len(proposed.columns)} columns "
        "mapped."
    )
    for column in proposed.columns:
        where = TARGETS[column.target] if column.target else "(left out)"
        click.echo(f"  {inert(column.source)} -> {where}")
    left = unmapped_values(proposed, samples)
    for source, values in left.items():
        click.echo(f"  {inert(source)}: {len(values)} values not mapped to a code yet")
    click.echo(f"Check and edit it, then: carerdesk import {path} --mapping {out} --dry-run")
