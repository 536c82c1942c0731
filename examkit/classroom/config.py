"""CLASS.yaml -> `Course`: the one file an instructor writes for class mode (docs/CLASS.md).

Everything wrong in it is reported at once, each problem at `file:line`. Two things never live in
the file, so that it can be shared and kept in version control: the secret that signs sign-in
links and sessions (EXAMKIT_SECRET_KEY, or a file named by `secret_key_file`) and the database's
password (EXAMKIT_DATABASE_URL, or libpq's own ~/.pgpass). Paths in the file are relative to it.
"""

from __future__ import annotations

import datetime
import json
import os
import stat
from pathlib import Path

import jsonschema
import yaml

from ..bank.loader import load_bank
from ..bank.problems import Problem, Problems
from ..bank.yaml_errors import explain_syntax_error
from ..bank.yamlio import LineList, line_of, load_yaml
from ..errors import UsageError, did_you_mean
from ..exam.spec import SpecError, load_roster
from ..study.mock import bundled_mocks, mock_choice
from ..study.store import ProgressError, database_url
from .course import CHECKS_PER_MINUTE, LINK_DAYS, ROSTER_CLAIMS, SESSION_DAYS, Course, Lti, Member, Platform

ENV_DATABASE = "EXAMKIT_DATABASE_URL"
ENV_SECRET = "EXAMKIT_SECRET_KEY"
MIN_SECRET = 32  # characters: token_urlsafe(32) gives 43
MAKE_SECRET = (
    "make one with\n"
    "    python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > class-secret.key && chmod 600 class-secret.key\n"
    f"and name it in CLASS.yaml (secret_key_file: class-secret.key), or put the key in {ENV_SECRET}"
)

_MEMBER = {
    "type": "object",
    "properties": {"id": {"type": ["string", "integer"]}, "name": {"type": "string"}, "email": {"type": "string"}},
    "required": ["id"],
    "additionalProperties": False,
}
_MEMBERS = {"type": ["string", "array"], "items": _MEMBER, "minItems": 1}  # a CSV path, or the members inline
_TEXT = {"type": "string", "minLength": 1}
_ID = {"type": ["string", "integer"]}  # Canvas's client ids and Moodle's deployment ids are written as numbers
_PLATFORM = {
    "type": "object",
    "properties": {
        "issuer": _TEXT,
        "client_id": _ID,
        "deployment_ids": {"type": "array", "items": _ID, "minItems": 1},
        "auth_login_url": _TEXT,
        "auth_token_url": _TEXT,
        "platform_keys": _TEXT,
    },
    "required": ["issuer", "client_id", "deployment_ids", "auth_login_url", "platform_keys"],
    "additionalProperties": False,
}
_LTI = {
    "type": "object",
    "properties": {
        "tool_key_file": _TEXT,
        "roster_claim": {"enum": list(ROSTER_CLAIMS)},
        "platforms": {"type": "array", "items": _PLATFORM, "minItems": 1},
    },
    "required": ["tool_key_file", "platforms"],
    "additionalProperties": False,
}
SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "roster": _MEMBERS,
        "instructors": _MEMBERS,
        "bank": {
            "type": "object",
            "properties": {"folders": {"type": "array", "items": {"type": "string"}}, "bundled": {"type": "boolean"}},
            "additionalProperties": False,
        },
        "exam_date": {"type": "string"},
        "mocks": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "database": {"type": "string", "minLength": 1},
        "secret_key_file": {"type": "string", "minLength": 1},
        "link_days": {"type": "number", "exclusiveMinimum": 0, "maximum": 366},
        "session_days": {"type": "number", "exclusiveMinimum": 0, "maximum": 366},
        "secure_cookies": {"type": "boolean"},
        "proxies": {"type": "integer", "minimum": 0, "maximum": 5},
        "checks_per_minute": {"type": "integer", "minimum": 1, "maximum": 10000},
        "lti": _LTI,
    },
    "required": ["title", "roster", "instructors"],
    "additionalProperties": False,
}
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


class CourseError(UsageError, Problems):
    """CLASS.yaml (or a file it names) cannot be used; one `file:line: message` per problem."""


def load_course(path, bank: bool = True, secret: bool = True) -> Course:
    """Read CLASS.yaml. `bank`: read the question bank too (the server needs it; a backup does not);
    `secret`: the signing key must be there (serving and sign-in links need it)."""
    path = Path(path)
    tree = _read(path)

    def at(message: str, *keys) -> Problem:  # a problem at the line of tree[keys[0]][keys[1]]...
        return Problem(str(path), line_of(tree, list(keys)), message)

    problems = _schema_problems(path, tree)
    if problems:
        raise CourseError(problems)
    base = path.parent
    students = _members(path, tree, "roster", problems)
    instructors = _members(path, tree, "instructors", problems)
    _no_one_twice(path, tree, students, instructors, problems)
    exam_date = _exam_date(tree, at, problems)
    database = _database(tree, base, at, problems)
    key = _secret(tree, base, at, problems) if secret else ""
    mocks = _mocks(tree, base, at, problems)
    lti = _lti(tree, base, at, [m for m, _ in students + instructors], problems) if "lti" in tree else None
    if problems:  # CLASS.yaml's first, by line, then the files it names
        raise CourseError(sorted(problems, key=lambda p: (p.file != str(path), p.file, p.line)))
    folders = [str(_local(base, f)) for f in tree.get("bank", {}).get("folders", [])]
    return Course(
        title=tree["title"],
        database=database,
        students=[m for m, _ in students],
        instructors=[m for m, _ in instructors],
        bank=load_bank(folders, tree.get("bank", {}).get("bundled", True)) if bank else None,
        exam_date=exam_date,
        mocks=mocks,
        secret=key,
        link_days=float(tree.get("link_days", LINK_DAYS)),
        session_days=float(tree.get("session_days", SESSION_DAYS)),
        secure_cookies=tree.get("secure_cookies", True),
        proxies=tree.get("proxies", 0),
        checks_per_minute=tree.get("checks_per_minute", CHECKS_PER_MINUTE),
        source=path,
        lti=lti,
    )


def _read(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file (the course's CLASS.yaml; docs/CLASS.md has an example)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError([Problem(str(path), 1, f"cannot read: {exc}")]) from None
    try:
        tree = load_yaml(text)
    except yaml.YAMLError as exc:
        raise CourseError([Problem(str(path), *explain_syntax_error(exc, text))]) from None
    if not isinstance(tree, dict):
        raise CourseError([Problem(str(path), 1, "CLASS.yaml is a mapping (title, roster, instructors, ...)")])
    if isinstance(tree.get("exam_date"), datetime.date):  # exam_date: 2027-05-20, unquoted, as people write it
        tree["exam_date"] = tree["exam_date"].isoformat()
    return tree


def _schema_problems(path: Path, tree) -> list[Problem]:
    """Structure: each mistake once, at its line; an unknown key with the key it likely misspells,
    and a secret written into the file refused with where it belongs instead."""
    problems = []
    for key in ("secret_key", "secret", "secret-key"):
        if key in tree:
            problems.append(Problem(str(path), line_of(tree, [key]), (
                "the secret key never goes in CLASS.yaml (whoever reads the file could sign in as anyone): "
                f"put it in a file named by secret_key_file, or in {ENV_SECRET}; {MAKE_SECRET}")))  # fmt: skip
    for error in _VALIDATOR.iter_errors(tree):
        where = list(error.absolute_path)
        if error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            for key in sorted(set(error.instance) - set(known)):
                if not key.startswith("secret"):
                    line = line_of(tree, [*where, key])
                    problems.append(Problem(str(path), line, f"unknown key {key!r}{did_you_mean(key, known)}"))
            continue
        name = ".".join(map(str, where)) or "top level"
        problems.append(Problem(str(path), line_of(tree, where), f"{name}: {error.message}"))
    return sorted(problems, key=lambda p: p.line)


def _local(base: Path, text: str) -> Path:
    """A path written in CLASS.yaml: relative to the file's folder."""
    given = Path(text).expanduser()
    return given if given.is_absolute() else base / given


def _members(path: Path, tree, key: str, problems: list) -> list[tuple[Member, str]]:
    """The roster or the instructors: (member, where it is written) for each, from a CSV file
    (id, name, email columns; exam rosters' reader) or the list in CLASS.yaml."""
    given = tree[key]
    if isinstance(given, str):
        csv_path = _local(path.parent, given)
        try:
            rows = load_roster(csv_path)
        except SpecError as exc:
            problems.extend(exc.problems)
            return []
        return [(Member(r.id, r.name, r.email), f"{csv_path}:{r.line}") for r in rows]
    found, seen = [], {}
    for index, item in enumerate(given):
        line = line_of(tree, [key, index])
        member_id = str(item["id"]).strip()
        if not member_id:
            problems.append(Problem(str(path), line, f"{key}: an empty id"))
        elif member_id in seen:
            problems.append(
                Problem(str(path), line, f"{key}: id {member_id!r} twice (first on line {seen[member_id]})")
            )
        else:
            seen[member_id] = line
            found.append((Member(member_id, item.get("name", "").strip(), item.get("email", "").strip()),
                          f"{path}:{line}"))  # fmt: skip
    return found


def _no_one_twice(path: Path, tree, students, instructors, problems: list):
    """A member has one role: an id both on the roster and an instructor is refused, both places named."""
    on_roster = {m.id: where for m, where in students}
    for member, where in instructors:
        if member.id in on_roster:
            problems.append(Problem(str(path), line_of(tree, ["instructors"]), (
                f"{member.id!r} is both a student ({on_roster[member.id]}) and an instructor ({where}): "
                "list them once")))  # fmt: skip


def _exam_date(tree, at, problems: list):
    text = tree.get("exam_date")
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        problems.append(at(f"exam_date {text!r}: write the date as YYYY-MM-DD, e.g. 2027-05-20", "exam_date"))
        return None


def _database(tree, base: Path, at, problems: list) -> str:
    """EXAMKIT_DATABASE_URL if set, else `database:`; a URL in the file may not carry a password."""
    from_env = os.environ.get(ENV_DATABASE, "").strip()
    given = from_env or tree.get("database", "")
    if not given:
        problems.append(at(
            f"no progress database: set {ENV_DATABASE} (postgresql://user@host/dbname) or give database: "
            "in CLASS.yaml (docs/CLASS.md, Set-up)"))  # fmt: skip
        return ""
    try:
        url = database_url(given if "://" in given or from_env else _local(base, given))
    except ProgressError as exc:
        problems.append(at(f"{ENV_DATABASE if from_env else 'database'}: {exc}", *([] if from_env else ["database"])))
        return ""
    if url.password and not from_env:
        problems.append(at(
            "the database URL carries a password: keep it out of CLASS.yaml; set "
            f"{ENV_DATABASE} instead, or use PostgreSQL's ~/.pgpass", "database"))  # fmt: skip
    return url.render_as_string(hide_password=False)


def _secret(tree, base: Path, at, problems: list) -> str:
    """EXAMKIT_SECRET_KEY if set, else the file `secret_key_file` names (not readable by others)."""
    key = os.environ.get(ENV_SECRET, "").strip()
    where = f"${ENV_SECRET}"
    if not key and "secret_key_file" in tree:
        secret_file = _local(base, tree["secret_key_file"])
        where = str(secret_file)
        try:
            if secret_file.stat().st_mode & stat.S_IROTH:
                problems.append(at(f"{secret_file} can be read by anyone on this machine: chmod 600 {secret_file}",
                                   "secret_key_file"))  # fmt: skip
                return ""
            key = secret_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(at(f"cannot read the secret key file: {exc}; {MAKE_SECRET}", "secret_key_file"))
            return ""
    if not key:
        problems.append(at(f"no secret key to sign sign-in links and sessions: {MAKE_SECRET}"))
    elif len(key) < MIN_SECRET:
        message = (
            f"the secret key in {where} is too short ({len(key)} characters, at least {MIN_SECRET}): {MAKE_SECRET}"
        )
        problems.append(at(message, *([] if where.startswith("$") else ["secret_key_file"])))
    return key


def _mocks(tree, base: Path, at, problems: list) -> dict:
    """The mocks offered, by name: bundled names or spec files (default: every bundled mock)."""
    bundled = bundled_mocks()
    if "mocks" not in tree:
        return dict(bundled)
    given: LineList = tree["mocks"]
    offered = {}
    for index, text in enumerate(given):
        spec_path = _local(base, text)
        if text in bundled and not spec_path.is_file():
            choice = bundled[text]
        elif spec_path.is_file():
            try:
                choice = mock_choice(spec_path.resolve())
            except SpecError as exc:
                problems.extend(exc.problems)
                continue
        else:
            problems.append(at(
                f"mocks: no bundled mock or spec file {text!r}{did_you_mean(text, bundled)} "
                f"(bundled: {', '.join(bundled)})", "mocks", index))  # fmt: skip
            continue
        if choice.name in offered:
            problems.append(at(f"mocks: {choice.name!r} twice", "mocks", index))
        offered[choice.name] = choice
    return offered


def _lti(tree, base: Path, at, members: list[Member], problems: list) -> Lti | None:
    """The `lti:` section: each platform's public keys read from its file (never fetched at launch),
    the tool's private key from a file no one else may read (never the file itself)."""
    section = tree["lti"]
    claim = section.get("roster_claim", "sub")
    if claim == "email":
        seen = {}
        for member in members:
            address = member.email.strip().lower()
            if address and seen.setdefault(address, member.id) != member.id:
                problems.append(at(f"lti: roster_claim: email, but {member.email!r} is the address of both "
                                   f"{seen[address]!r} and {member.id!r}", "lti", "roster_claim"))  # fmt: skip
    platforms, issuers = [], set()
    for index, given in enumerate(section["platforms"]):
        identity = (given["issuer"], str(given["client_id"]))
        if identity in issuers:
            problems.append(at(f"lti: issuer {identity[0]!r} with client_id {identity[1]!r} twice",
                               "lti", "platforms", index))  # fmt: skip
        issuers.add(identity)
        try:
            keys = _platform_keys(_local(base, given["platform_keys"]))
        except ValueError as exc:
            problems.append(at(str(exc), "lti", "platforms", index, "platform_keys"))
            continue
        platforms.append(Platform(
            issuer=given["issuer"], client_id=identity[1],
            deployment_ids=tuple(str(d) for d in given["deployment_ids"]),
            auth_login_url=given["auth_login_url"], auth_token_url=given.get("auth_token_url", ""),
            key_set=keys if isinstance(keys, dict) else None, public_key=keys if isinstance(keys, str) else "",
        ))  # fmt: skip
    try:
        tool_key = _tool_key(_local(base, section["tool_key_file"]))
    except ValueError as exc:
        problems.append(at(str(exc), "lti", "tool_key_file"))
        return None
    return Lti(platforms, tool_key, claim)


MAKE_TOOL_KEY = (
    "make one with\n    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out lti-tool.key"
    " && chmod 600 lti-tool.key"
)


def _platform_keys(key_file: Path) -> dict | str:
    """A JWKS file (the JSON the platform's key set URL serves) -> its dict; a PEM public key -> its
    text; ValueError saying what is wrong otherwise."""
    from jwcrypto.jwk import JWK, JWKSet

    try:
        text = key_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the platform's keys: {exc}") from None
    try:
        keys = JWKSet.from_json(text) if text.startswith("{") else JWK.from_pem(text.encode())
    except Exception as exc:  # jwcrypto and cryptography raise many kinds for a file that is no key
        raise ValueError(f'{key_file}: neither a JWKS (JSON with "keys") nor a PEM public key ({exc})') from None
    if isinstance(keys, JWKSet):
        if not keys["keys"] or any(key.has_private for key in keys["keys"]):
            raise ValueError(f"{key_file}: a key set of the platform's public keys, none private, is needed")
        return json.loads(text)
    if keys.has_private:
        raise ValueError(f"{key_file} holds a private key: give the platform's public key (its key set, or PEM)")
    return text


def _tool_key(key_file: Path) -> str:
    """The tool's private key (PEM), from a file that only its owner may read."""
    from jwcrypto.jwk import JWK

    try:
        if key_file.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH):
            raise ValueError(f"{key_file} can be read by others: chmod 600 {key_file}")
        text = key_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the tool's private key: {exc}; {MAKE_TOOL_KEY}") from None
    try:
        key = JWK.from_pem(text.encode())
    except Exception as exc:  # as above: whatever the file is, it is not a key
        raise ValueError(f"{key_file}: not a PEM private key ({exc}); {MAKE_TOOL_KEY}") from None
    if not key.has_private or key.get("kty") != "RSA":
        raise ValueError(f"{key_file}: the tool's key must be an RSA private key; {MAKE_TOOL_KEY}")
    return text
