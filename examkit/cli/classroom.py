"""`examkit class`: one practice server for a whole course (docs/CLASS.md): serve it, write the
students' sign-in links, and keep the class's progress (export, restore, forget a student)."""

from __future__ import annotations

from .. import api
from .common import EXIT_FAIL, EXIT_OK, workers_type


def cmd_class_serve(args) -> int:
    status = api.class_serve(args.class_file, host=args.host, port=args.port, workers=args.workers)
    return EXIT_OK if status == 0 else EXIT_FAIL


def cmd_class_links(args) -> int:
    result = api.class_links(args.class_file, args.base_url, args.out, days=args.days)
    print(
        f"{result['students']} student and {result['instructors']} instructor sign-in link(s), valid until "
        f"{result['expires']} -> {result['out']} (each link signs its member in: keep the file private)"
    )
    return EXIT_OK


def cmd_class_export(args) -> int:
    result = api.class_export(args.class_file, args.out)
    print(f"{result['students']} student(s) exported -> {result['out']}")
    return EXIT_OK


def cmd_class_restore(args) -> int:
    result = api.class_restore(args.class_file, args.export)
    print(f"{len(result['students'])} student(s) restored from {args.export}")
    if result["not_on_course"]:
        print(f"not on the course (any more): {', '.join(result['not_on_course'])}")
    return EXIT_OK


def cmd_class_forget(args) -> int:
    result = api.class_forget(args.class_file, args.student)
    print(f"removed {result['rows']} row(s) of {result['student']!r}")
    return EXIT_OK


def add_commands(sub) -> None:
    group = sub.add_parser("class", help="class mode: one practice server for a whole course").add_subparsers(
        dest="class_command", required=True, metavar="ACTION"
    )

    def command(name, help, func):
        p = group.add_parser(name, help=help)
        p.add_argument("class_file", metavar="CLASS.yaml", help="the course: roster, instructors, bank, database")
        p.set_defaults(func=func)
        return p

    p = command("serve", "serve the practice app to the course (gunicorn; signed-in members only)", cmd_class_serve)
    p.add_argument("--workers", type=workers_type, default=2, help="server processes (default 2)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: behind a proxy)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p = command("links", "write every member's personal sign-in link to a CSV for a mail merge", cmd_class_links)
    p.add_argument(
        "--base-url", required=True, metavar="URL", help="the server's address, e.g. https://practice.example.edu"
    )
    p.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV to write (id,name,email,link,role)")
    p.add_argument("--days", type=float, help="how long the links work (default: link_days in CLASS.yaml, else 14)")
    p = command("export", "every student's progress as JSON Lines (a backup)", cmd_class_export)
    p.add_argument("--out", required=True, metavar="FILE.jsonl", help="the file to write")
    p = command("restore", "put back the students of an export (each one's progress replaced)", cmd_class_restore)
    p.add_argument("export", metavar="FILE.jsonl", help="a file `examkit class export` wrote")
    p = command("forget", "remove every row of one student's progress (on request)", cmd_class_forget)
    p.add_argument("student", metavar="STUDENT_ID", help="the student's id, as on the roster")
