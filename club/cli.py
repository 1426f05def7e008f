"""The project's `flask` commands: create-admin, demo, scheduler and digests send.

Each command runs inside an app context (with_appcontext, as `app.cli.command` would add) and in
English; the services flush and the command commits once, at its end.
"""

from __future__ import annotations

import functools

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import func, select

from club.extensions import db


def register_cli(app: Flask) -> None:
    # Plain click commands with with_appcontext: the same as declaring them with @app.cli.command.
    app.cli.add_command(create_admin_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(digests_group)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job once now and exit, instead of running on schedule.")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the scheduled jobs (reminders, digests...): ONE such process per site."""
    from club.core import scheduler

    app = current_app._get_current_object()
    if once:
        for job_id, result in scheduler.run_once(app).items():
            click.echo(f"{job_id}: {result}")
        return
    click.echo("Scheduler running; Ctrl-C stops it.")
    scheduler.build(app, blocking=True).start()


@click.group("digests")
def digests_group() -> None:
    """The email digests."""


@digests_group.command("send")
@click.option("--frequency", type=click.Choice(["daily", "weekly", "monthly"]), default="weekly", show_default=True)
@click.option("--dry-run", is_flag=True, help="Count who would get a digest and who would be skipped; write nothing.")
@click.option("--no-drain", is_flag=True, help="Only write the digests to the outbox; the scheduler sends them.")
@with_appcontext
def digests_send_command(frequency: str, dry_run: bool, no_drain: bool) -> None:
    """Run the latest due cycle of FREQUENCY now (a cycle that already ran writes nothing again)."""
    from club.core import outbox
    from club.core.timeutil import utcnow
    from club.digests import schedule, services

    moment = schedule.due_moment(frequency, utcnow())
    with force_locale("en"):
        report = services.run_cycle(frequency, moment, dry_run=dry_run)
    prefix = "Dry run, nothing written: " if dry_run else ""
    click.echo(f"{prefix}{report}")
    if not dry_run and not no_drain:
        sent = outbox.drain()
        click.echo(f"Outbox: {sent.sent} sent, {sent.retried} to retry, {sent.failed} failed.")


def _in_english(command):
    """Run the command with English messages: the locale selector needs a request, which a command has not."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with force_locale("en"):
            return command(*args, **kwargs)

    return wrapper


@click.command("create-admin")
@click.argument("email")
@click.option(
    "--password",
    default=None,
    help="Password of a new account (asked for when missing). Ignored when the account exists.",
)
@click.option(
    "--name",
    "display_name",
    default=None,
    help="Name shown to members, for a new account (default: the part of EMAIL before @).",
)
@with_appcontext
@_in_english
def create_admin_command(email: str, password: str | None, display_name: str | None) -> None:
    """Make EMAIL an administrator: promote its account, or create a verified one."""
    from club.accounts.services import AccountError, create_or_promote_admin, find_by_email, normalise_email

    email = normalise_email(email)
    local_part, _, domain = email.partition("@")
    if not local_part or "." not in domain or " " in email:
        click.echo(f"Not an email address: {email!r}", err=True)
        raise SystemExit(1)
    existing = find_by_email(email)
    if existing is None and not password:
        password = click.prompt("Password for the new account", hide_input=True, confirmation_prompt=True)
    try:
        user, created = create_or_promote_admin(email, password, display_name)
    except AccountError as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        raise SystemExit(1) from error
    db.session.commit()
    if created:
        click.echo(f"Created the administrator {user.email} ({user.display_name}).")
    else:
        note = " (its password was not changed)" if password else ""
        click.echo(f"Promoted {user.email} to administrator{note}.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
@click.option(
    "--scale",
    type=click.Choice(["small", "large"]),
    default="small",
    show_default=True,
    help="large: the demo plus a club at scale (10,000 members and cases, 100,000 comments...) for benchmarks.",
)
@with_appcontext
@_in_english
def demo_command(if_empty: bool, scale: str) -> None:
    """Load the demo data (idempotent: existing rows are kept, nothing is duplicated)."""
    from club.accounts import demo as accounts_demo
    from club.accounts.services import count_users
    from club.awards import demo as awards_demo
    from club.awards.models import AwardEdition, Ballot
    from club.cases import demo as cases_demo
    from club.config import ProductionConfig, config_from_env
    from club.core import demo as core_demo
    from club.digests import demo as digests_demo
    from club.events import demo as events_demo
    from club.members import demo as members_demo
    from club.organiser import demo as organiser_demo

    if if_empty and count_users():
        click.echo("The database already has accounts: demo data not loaded.")
        return
    if scale == "large":
        from club.organiser import largedemo

        if largedemo.exists():
            click.echo("The database already holds the large demo data: nothing loaded.", err=True)
            raise SystemExit(1)
    if config_from_env() is ProductionConfig and not current_app.testing:
        click.echo(
            "Warning: every demo account uses the published demo password; "
            "never load the demo on a site with real members.",
            err=True,
        )
    before = count_users()
    cases_before, _ = cases_demo.counts()
    weeks_before = events_demo.counts()[0]
    # In the order of the domains (DESIGN.md); each domain's demo finds or creates by natural keys.
    for loader in (
        core_demo.load,
        accounts_demo.load,
        members_demo.load,
        cases_demo.load,
        events_demo.load,
        awards_demo.load,
        digests_demo.load,
        organiser_demo.load,
    ):
        loader()
    db.session.commit()
    click.echo(f"Demo data loaded: {count_users() - before} new accounts, {count_users()} in all.")
    cases, published = cases_demo.counts()
    click.echo(f"Case studies: {cases - cases_before} new, {cases} in all ({published} published).")
    weeks, sessions, registrations, ratings = events_demo.counts()
    click.echo(
        f"Event weeks: {weeks - weeks_before} new, {weeks} in all "
        f"({sessions} sessions, {registrations} registrations, {ratings} ratings)."
    )
    editions, ballots = (
        db.session.scalar(select(func.count()).select_from(AwardEdition)),
        db.session.scalar(select(func.count()).select_from(Ballot)),
    )
    click.echo(f"Award editions: {editions} in all ({ballots} member ballots).")
    subscribers, outsiders = digests_demo.counts()
    click.echo(f"Digest subscribers: {subscribers} in all ({outsiders} outside the club).")
    reads, reported, pending, sent = organiser_demo.counts()
    click.echo(
        f"Organiser console: {reads} case reads, {reported} reported comments, "
        f"{pending} pending invitations, {sent} digests sent."
    )
    if scale == "large":
        report = largedemo.load(largedemo.LARGE)
        db.session.commit()
        click.echo(largedemo.describe(report))
    logins = [f"{accounts_demo.ADMIN_EMAIL} (admin)"]
    logins += [f"{email} (organiser)" for email in accounts_demo.ORGANISER_EMAILS]
    logins.append(f"{members_demo.DEMO_MEMBER_EMAIL} (member)")
    click.echo(f"Demo logins (password: {accounts_demo.DEMO_PASSWORD}): {', '.join(logins)}")
