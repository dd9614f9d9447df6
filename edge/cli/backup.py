"""``edge-gateway backup``: save the class's data and the box's identity, or restore."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from edge.backup import (
    BackupSummary,
    copy_to,
    create_backup,
    default_archive_name,
    prune_backups,
    restore_backup,
    verify_backup,
)
from edge.cli.run import DEFAULT_CONFIG
from edge.config import load_config
from edge.provision import Layout


def register(subparsers: Any) -> None:
    """Add the ``backup`` subcommand."""
    p = subparsers.add_parser(
        "backup",
        help="back up or restore the gateway's data and identity",
        description="Back up the store, configuration and certificates into one "
        "archive, check an archive, or restore one onto a new box.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="write a backup archive")
    create.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    where = create.add_mutually_exclusive_group()
    where.add_argument("--output", type=Path, help="archive file to write")
    where.add_argument(
        "--output-dir", type=Path, help="folder (default: backups beside the store)"
    )
    create.add_argument("--keep", type=int, help="keep only the newest N backups")
    create.add_argument("--copy-to", type=Path, help="also copy it here (USB stick)")
    create.add_argument("--json", action="store_true")
    create.set_defaults(func=run_create)

    verify = actions.add_parser("verify", help="check an archive without restoring")
    verify.add_argument("archive", type=Path)
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=run_verify)

    restore = actions.add_parser("restore", help="restore an archive onto this box")
    restore.add_argument("archive", type=Path)
    restore.add_argument("--root", type=Path, default=Path("/"), help="install root")
    restore.add_argument(
        "--force", action="store_true", help="replace data already here (kept aside)"
    )
    restore.add_argument("--json", action="store_true")
    restore.set_defaults(func=run_restore)


def run_create(args: argparse.Namespace) -> int:
    """Write a backup (and prune and copy it when asked)."""
    config = load_config(args.config)
    now = dt.datetime.now(dt.UTC)
    output = args.output
    if output is None:
        folder = args.output_dir or config.db.parent / "backups"
        output = folder / default_archive_name(config.gateway_id, now)
    summary = create_backup(args.config, output, now)
    extra: dict[str, Any] = {}
    if args.keep is not None:
        pruned = prune_backups(output.parent, config.gateway_id, max(1, args.keep))
        extra["pruned"] = [str(p) for p in pruned]
    if args.copy_to is not None:
        extra["copied_to"] = str(copy_to(output, args.copy_to))
    _print(summary, args.json, "backup written", extra)
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Check every file of an archive."""
    _print(verify_backup(args.archive), args.json, "backup is intact", {})
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Restore an archive under --root."""
    summary = restore_backup(args.archive, Layout(args.root), force=args.force)
    _print(summary, args.json, "backup restored", {})
    if not args.json:
        print(
            "next: 'sudo edge-gateway doctor', then 'sudo systemctl start edge-gateway'"
        )
    return 0


def _print(
    summary: BackupSummary, as_json: bool, what: str, extra: dict[str, Any]
) -> None:
    if as_json:
        print(json.dumps({**summary.as_json(), **extra}, indent=1))
        return
    print(
        f"{what}: {summary.archive} (gateway {summary.gateway_id}, "
        f"schema {summary.schema_version}, {len(summary.files)} files)"
    )
    for path in summary.moved_aside:
        print(f"  kept the previous file as {path}")
    for key, value in extra.items():
        print(f"  {key}: {value}")
