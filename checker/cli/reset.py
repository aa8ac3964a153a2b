"""`iamlab reset LAB`: put the starter files back (from the lab's pristine copies; git is not needed).

Edited files are copied to `.iamlab-backups/` first, and reset asks before overwriting them (`--yes`
answers for you; without a terminal to ask, reset refuses unless `--yes` is given).
"""

from __future__ import annotations

import argparse
import sys


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("lab", metavar="LAB", help="lab id or number, e.g. 01")
    parser.add_argument("--cloud", choices=("aws", "azure", "gcp"), help="which cloud's files (default: the lab's first)")
    parser.add_argument("--yes", "-y", action="store_true", help="overwrite edited files without asking (a backup is still kept)")
    parser.add_argument("--root", metavar="DIR", help="the course repository (default: found from here upwards)")


def run(args: argparse.Namespace) -> int:
    from checker.core.errors import InputError
    from checker.grading.catalog import find_course
    from checker.grading.starters import BACKUP_DIR, backup, edited, pending, restore

    course = find_course(explicit=args.root)
    lab = course.load(args.lab)
    cloud = lab.cloud(args.cloud).cloud
    folder = lab.folder / cloud
    changed = pending(lab, cloud)
    if not changed:
        print(f"{lab.id} ({cloud}): your files already match the starter; nothing to do")
        return 0
    mine = edited(lab, cloud, changed)
    if mine and not args.yes:
        question = f"overwrite your edited {', '.join(mine)} in {folder} with the starter? (a backup is kept) [y/N] "
        if not sys.stdin.isatty():
            raise InputError(
                f"reset would overwrite your edited {', '.join(mine)}",
                hint="run it in a terminal to be asked, or add --yes (a backup is kept in " + BACKUP_DIR + "/)",
            )
        if input(question).strip().lower() not in ("y", "yes"):
            print("nothing changed")
            return 1
    saved = backup(lab, cloud, changed, course.root / BACKUP_DIR)
    if saved is not None:
        print(f"your files are saved in {saved}")
    from checker.grading.starters import starter_folder

    for name in restore(lab, cloud):
        print(f"{'restored' if (starter_folder(lab, cloud) / name).is_file() else 'removed'} {folder / name}")
    return 0
