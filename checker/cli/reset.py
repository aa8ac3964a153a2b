"""`iamlab reset LAB`: put the starter files back (from the lab's pristine copies; git is not needed)."""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("lab", metavar="LAB", help="lab id or number, e.g. 01")
    parser.add_argument("--cloud", choices=("aws", "azure", "gcp"), help="which cloud's files (default: the lab's first)")
    parser.add_argument("--root", metavar="DIR", help="the course repository (default: found from here upwards)")


def run(args: argparse.Namespace) -> int:
    from checker.grading.catalog import find_course
    from checker.grading.starters import restore

    course = find_course(explicit=args.root)
    lab = course.load(args.lab)
    cloud = lab.cloud(args.cloud).cloud
    changed = restore(lab, cloud)
    folder = lab.folder / cloud
    if not changed:
        print(f"{lab.id} ({cloud}): your files already match the starter; nothing to do")
    for name in changed:
        print(f"restored {folder / name}")
    return 0
