"""The differential lock test's engine (tests/integration/locks runs it).

For each golden case holding plain SQL migrations and a --deployed migration:
apply the deployed migrations to a fresh database, ask zdm for its plan as
JSON (--pg-version set to the server's major), then run each pending statement
on the server in a transaction of its own and read, before COMMIT:

  - pg_locks of this backend: the strongest mode per relation (tables, views,
    materialized views, sequences, foreign tables) that existed before the
    statement; relations the statement itself creates are left out on both
    sides, since no query can be waiting on them;
  - the cost: a pre-existing table's relfilenode changed (rewrites-table), an
    index appeared on one (builds-index; a partitioned table's own index, which
    has no storage, is catalog-only), pg_stat_xact_user_tables counted a
    sequential scan of one (scans-table), the command tag is DML
    (writes-rows), else catalog-only (zdm's "none" and "catalog-only" are one
    class here: the server cannot tell them apart).

A statement PostgreSQL refuses inside a transaction block (CREATE INDEX
CONCURRENTLY, VACUUM, ...) runs in autocommit while a second session holds
ACCESS EXCLUSIVE on each relation zdm names: the mode the statement waits
for, read from pg_locks, is compared with zdm's. Transaction control in the
migration (BEGIN, COMMIT, ...) is skipped: each statement gets its own.

Around each pending migration the old code's queries run too, plain and
prepared (tests/integration/oldcode.py says which and how): whether they
still run after it is compared with zdm's verdict on the old code (the
migration's phase and findings). Differences zdm is known to have are listed
in locks.known (locks and costs) and oldcode.known (verdicts).

Any difference prints both sides and counts as a failure. The last line is
"N passed, N failed" (a case passes when all its statements and verdicts
agree).

Coverage: every statement kind zdm's replay has a case for (read from
src/catalog/replay.c, see handled_kinds) must have been run and compared here
at least once, in a case not skipped, or be listed with its reason in
locks.uncovered. build/pgq_kinds names the kinds of the statements that ran.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time

import psycopg2
import psycopg2.extensions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oldcode  # noqa: E402  (beside this file)

MODES = ["ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE",
         "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"]
# pg_locks spells modes as the lock manager does.
PG_MODE = {m.title().replace(" ", "") + "Lock": m for m in MODES}
CHEAP = {"none", "catalog-only"}
# Rules that say PostgreSQL refuses the statement, and the SQLSTATEs it
# refuses it with: a refusal with another code is a difference.
REFUSES = {"column-used-by-view": {"0A000", "2BP01"}, "relation-used-by-view": {"2BP01"},
           "enum-value-in-transaction": {"55P04"}, "not-null-required": {"42P16", "42601", "55000"}}
TXN_CONTROL = re.compile(r"^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b", re.I)


def strongest(modes):
    return max(modes, key=MODES.index)


def relations(cur):
    """oid -> (qualified name, relkind, relfilenode, its indexes' relfilenodes)."""
    cur.execute("""
        SELECT c.oid, n.nspname || '.' || c.relname, c.relkind, c.relfilenode,
               ARRAY(SELECT x.relfilenode FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
                     WHERE i.indrelid = c.oid AND x.relkind <> 'I' ORDER BY 1)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%'""")
    return {r[0]: r[1:] for r in cur.fetchall()}


def seq_scans(cur):
    cur.execute("SELECT relid, seq_scan FROM pg_stat_xact_user_tables")
    return dict(cur.fetchall())


def own_locks(cur):
    cur.execute("""SELECT relation, mode FROM pg_locks
                   WHERE pid = pg_backend_pid() AND locktype = 'relation'
                     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""")
    return cur.fetchall()


def measure(conn, sql):
    """Runs sql in a transaction of its own; returns (locks, cost) or raises."""
    cur = conn.cursor()
    cur.execute("BEGIN")
    before = relations(cur)
    scans0 = seq_scans(cur)
    cur.execute(sql)
    tag = (cur.statusmessage or "").split(" ")[0].upper()
    held = {}
    for oid, mode in own_locks(cur):
        if oid in before:
            held.setdefault(before[oid][0], []).append(PG_MODE[mode])
    after = relations(cur)
    scans1 = seq_scans(cur)
    cur.execute("COMMIT")
    locks = {rel: strongest(m) for rel, m in held.items()}
    cost = "catalog-only"
    tables = [o for o, r in before.items() if r[1] in ("r", "m", "p") and o in after]
    # TRUNCATE gives the table a new, empty file: nothing is copied, so it is
    # no rewrite in zdm's sense (the time a rewrite takes grows with the table).
    if tag == "TRUNCATE":
        pass
    elif any(after[o][2] != before[o][2] and before[o][1] != "p" for o in tables):
        cost = "rewrites-table"
    elif any(set(after[o][3]) - set(before[o][3]) for o in tables):
        cost = "builds-index"  # a new index, or an index given a new file (REINDEX)
    elif tag in ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY"):
        cost = "writes-rows"
    elif any(scans1.get(o, 0) > scans0.get(o, 0) for o in tables):
        cost = "scans-table"
    return locks, cost, before


# The weakest mode that conflicts with each mode (PostgreSQL's conflict table).
BLOCKER = {"ACCESS SHARE": "ACCESS EXCLUSIVE", "ROW SHARE": "EXCLUSIVE",
           "ROW EXCLUSIVE": "SHARE", "SHARE UPDATE EXCLUSIVE": "SHARE UPDATE EXCLUSIVE",
           "SHARE": "ROW EXCLUSIVE", "SHARE ROW EXCLUSIVE": "ROW EXCLUSIVE",
           "EXCLUSIVE": "ROW SHARE", "ACCESS EXCLUSIVE": "ACCESS SHARE"}


def measure_outside(dsn, conn, sql, rel, claimed):
    """For a statement that cannot run in a transaction block: runs it in
    autocommit while a second session holds, on rel, the weakest mode that
    conflicts with the mode zdm claims, and returns the mode the statement
    waits for there (pg_locks, granted = false). Weaker locks it takes on the
    way (VACUUM looks the table up under ACCESS SHARE first) pass the blocker;
    a stronger lock it takes after the claimed one is not seen: the statement
    runs once."""
    cur = conn.cursor()
    cur.execute("SELECT %s::regclass::oid", (rel,))
    oid = cur.fetchone()[0]
    blocker = psycopg2.connect(dsn)
    blocker.cursor().execute("LOCK TABLE %s IN %s MODE" % (rel, BLOCKER[claimed]))
    worker = psycopg2.connect(dsn)
    worker.autocommit = True
    pid = worker.get_backend_pid()
    err = []

    def run():
        try:
            worker.cursor().execute(sql)
        except psycopg2.Error as e:  # raised below, once the blocker is gone
            err.append(e)
    t = threading.Thread(target=run)
    t.start()
    mode = "(none: it did not wait)"
    for _ in range(500):
        cur.execute("SELECT mode FROM pg_locks WHERE pid = %s AND relation = %s AND NOT granted",
                    (pid, oid))
        row = cur.fetchone()
        if row:
            mode = PG_MODE[row[0]]
            break
        if not t.is_alive():
            break
        time.sleep(0.01)
    blocker.rollback()
    blocker.close()
    t.join()
    worker.close()
    if err:
        raise err[0]
    return mode


def qualify(rel):
    return rel if "." in rel else "public." + rel


def golden_cases(root):
    for dirpath, _dirs, files in sorted(os.walk(os.path.join(root, "tests/golden"))):
        if "cmd" not in files:
            continue
        with open(os.path.join(dirpath, "cmd")) as f:
            args = shlex.split(f.read())
        if not args or args[0] not in ("plan", "check") or "--deployed" not in args:
            continue
        if any(a in args for a in ("--django", "--database", "--since", "--against")):
            continue
        src = os.path.join(dirpath, args[1])
        if not os.path.isdir(src) or any(n.endswith(".py") for _d, _s, fs in os.walk(src) for n in fs):
            continue
        yield dirpath, args[1], args[args.index("--deployed") + 1]


def case_pg_version(case):
    """The --pg-version a golden case's cmd asks for, or 0."""
    with open(os.path.join(case, "cmd")) as f:
        args = shlex.split(f.read())
    return int(args[args.index("--pg-version") + 1]) if "--pg-version" in args else 0


def deployed_sql(zdm, case, src, name):
    """The deployed migration's SQL as zdm reads its layout (only the up part)."""
    out = subprocess.run([zdm, "sql", src, "--only", name], cwd=case, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("zdm sql --only %s: %s" % (name, out.stderr.strip()))
    return out.stdout


def read_known(root, name="locks.known"):
    """tests/integration/locks.known: differences zdm is known to have, one a
    line: CASE FILE:LINE MAJORS REASON (MAJORS: 15,17,18 or all);
    oldcode.known the same with FILE, the migration, for WHERE."""
    known = {}
    with open(os.path.join(root, "tests/integration", name)) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            case, where, majors, reason = line.split(None, 3)
            known[(case, where)] = (majors, reason)
    return known


def function_body(src, signature):
    """The text of the C function whose definition starts with signature, to
    its closing brace in column 0 (replay.c's style)."""
    start = src.find("\n" + signature)
    if start < 0:
        raise RuntimeError("src/catalog/replay.c has no %r: handled_kinds needs updating" % signature)
    end = src.find("\n}\n", start)
    return src[start:end]


def handled_kinds(root):
    """The statement kinds zdm claims locks for, derived from replay.c rather
    than copied, so a kind added there is a kind this test must run:
      - the node tags statement() dispatches on (its `case T_...Stmt:`
        labels; the nested TRANS_STMT_ cases do not match), as "CreateStmt";
      - the ALTER TABLE sub-commands alter_table_cmd() tests (`IS(AT_...)`),
        as "AT_AddColumn" (what falls to its last else is one kind with
        AlterTableStmt itself);
      - the sub-commands alter_table() handles for ALTER INDEX
        (`subtype == AT_...`), as "ALTER INDEX AT_SetTableSpace"."""
    with open(os.path.join(root, "src/catalog/replay.c")) as f:
        src = f.read()
    kinds = set(re.findall(r"\bcase T_(\w+Stmt)\b", function_body(src, "static void statement(")))
    kinds |= set(re.findall(r"\bIS\((AT_\w+)\)", function_body(src, "static void alter_table_cmd(")))
    kinds |= {"ALTER INDEX " + k for k in
              re.findall(r"subtype == (AT_\w+)", function_body(src, "static void alter_table(Ctx"))}
    if len(kinds) < 20:  # the extraction broke, not the dispatch
        raise RuntimeError("only %d statement kinds found in src/catalog/replay.c: handled_kinds needs updating"
                           % len(kinds))
    return kinds


def ran_kinds(root, sqls):
    """The kinds (as handled_kinds names them) of the statements in sqls, by
    PostgreSQL's parser (build/pgq_kinds), in one run."""
    out = subprocess.run([os.path.join(root, "build/pgq_kinds")], input="\n;\n".join(sqls),
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("build/pgq_kinds: " + out.stderr.strip())
    kinds = set()
    for line in out.stdout.splitlines():
        f = line.split()
        kinds.add(f[0])
        if f[0] == "AlterTableStmt" and f[1] == "OBJECT_TABLE":
            kinds.add(f[2])
        elif f[0] == "AlterTableStmt" and f[1] == "OBJECT_INDEX":
            kinds.add("ALTER INDEX " + f[2])
    return kinds


def read_uncovered(root):
    """tests/integration/locks.uncovered: kinds this test cannot run, one a
    line: KIND MAJORS REASON (KIND as handled_kinds names it, MAJORS as in
    locks.known)."""
    listed = {}
    with open(os.path.join(root, "tests/integration/locks.uncovered")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                m = re.match(r"(ALTER INDEX \S+|\S+)\s+(\S+)\s+(.*)", line)
                listed[m.group(1)] = (m.group(2), m.group(3))
    return listed


def coverage(root, major, sqls, whole):
    """Prints the coverage figure; returns the failures (only when the whole
    suite ran: a CASE filter runs part of it)."""
    handled = handled_kinds(root)
    ran = ran_kinds(root, sqls) & handled
    listed = {k: r for k, (majors, r) in read_uncovered(root).items()
              if majors == "all" or str(major) in majors.split(",")}
    print("PostgreSQL %d: statement kinds covered: %d of %d zdm handles (%d listed in locks.uncovered)"
          % (major, len(ran), len(handled), len(set(listed) & handled)))
    if not whole:
        return []
    bad = ["FAIL statement kind %s: zdm claims its locks (src/catalog/replay.c), but no golden case of plain "
           "SQL migrations runs it here: add one, or list it with a reason in tests/integration/locks.uncovered"
           % k for k in sorted(handled - ran - set(listed))]
    bad += ["FAIL tests/integration/locks.uncovered lists %s, which %s: remove the line"
            % (k, "ran here" if k in ran else "src/catalog/replay.c does not handle")
            for k in sorted(set(listed) & (ran | (set(listed) - handled)))]
    return bad


def main():
    zdm, major, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    only = sys.argv[4:]
    base_dsn = os.environ["DATABASE_URL"]
    known = read_known(root)
    known_old = read_known(root, "oldcode.known")
    zdm_version = major
    if subprocess.run([zdm, "plan", "/dev/null", "--pg-version", str(major)],
                      capture_output=True, text=True).stderr.find("--pg-version takes") >= 0:
        zdm_version = 17
        print("note: zdm does not know PostgreSQL %d yet: compared with --pg-version 17" % major)
    admin = psycopg2.connect(base_dsn)
    admin.autocommit = True
    passed = failed = statements = outside = skipped = known_seen = 0
    # the old code's side: verdicts compared, undecidable ones, query runs,
    # queries per case, those failing at the deployed point, tables whose
    # writes have a column of a type no value is made up for
    verdicts = {"safe": 0, "breaks": 0}
    ran_sql = []  # the statements compared, in cases not skipped
    undecided = no_claim = old_runs = old_queries = old_failing = old_unknown = 0
    for n, (case, src, deployed) in enumerate(golden_cases(root)):
        name = os.path.relpath(case, os.path.join(root, "tests/golden"))
        if only and not any(o in name for o in only):
            continue
        if case_pg_version(case) > major:
            continue  # syntax of a newer PostgreSQL (tests/golden/versions): this one refuses it
        out = subprocess.run([zdm, "plan", src, "--deployed", deployed, "--pg-version",
                              str(zdm_version), "--format", "json"],
                             cwd=case, capture_output=True, text=True)
        if out.returncode not in (0, 1):
            continue  # a case about bad input: nothing to run
        plan = json.loads(out.stdout)
        db = "zdm_locks_%d" % n
        acur = admin.cursor()
        acur.execute('DROP DATABASE IF EXISTS "%s"' % db)
        # FILE_COPY (PostgreSQL 15+): twice as fast as the WAL-logged copy here.
        acur.execute('CREATE DATABASE "%s" STRATEGY FILE_COPY' % db)
        dsn = re.sub(r"/postgres\?", "/%s?" % db, base_dsn)
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        problems = []
        case_sql = []
        old_problems = []  # (migration file, text)
        old = None
        try:
            for m in plan["migrations"]:
                if m["phase"] != "deployed":
                    continue
                try:
                    conn.cursor().execute(deployed_sql(zdm, case, src, m["name"]))
                except psycopg2.Error as e:
                    # A case about a missing object or tablespace: its setup is
                    # not meant to run. Nothing of it is compared.
                    raise SkipCase("PostgreSQL refused its deployed %s: %s" % (m["name"], str(e).strip()))
            old = oldcode.OldCode(dsn, conn.cursor())
            queries = old.queries
            old_queries += len(queries)
            old_unknown += old.unknown
            first = True
            for m in plan["migrations"]:
                if m["phase"] == "deployed":
                    continue
                claim = oldcode.verdict(m) if queries else None
                if claim:
                    refused = old.prepare()
                    old_before = old.run(refused)
                    if first:
                        old_failing += sum(1 for (i, how), err in old_before.items() if err and how == "plain")
                first = False
                complete = True  # every statement of it ran on the server
                # PostgreSQL refusing a statement zdm flags as an error, or on an
                # object zdm says it does not know, agrees with zdm.
                errors = {f["statement"] for f in m["findings"]
                          if f["severity"] == "error" or f["rule"] == "unknown-object"}
                unanalysed = {f["statement"] for f in m["findings"] if f["rule"] == "not-analysed"}
                for st in m["statements"]:
                    sql = st["sql"]
                    if TXN_CONTROL.match(sql) or st["index"] in unanalysed:
                        complete = complete and not st["index"] in unanalysed
                        continue
                    statements += 1
                    claimed = {qualify(lk["relation"]): lk["mode"] for lk in st["locks"]}
                    where = "%s:%d" % (m["file"], st["line"])
                    try:
                        try:
                            locks, cost, before = measure(conn, sql)
                        except psycopg2.errors.ActiveSqlTransaction:
                            conn.cursor().execute("ROLLBACK")
                            outside += 1
                            # It runs once, so one relation is probed: the first zdm names.
                            seen = {}
                            if claimed:
                                rel = next(iter(claimed))
                                seen[rel] = measure_outside(dsn, conn, sql, rel, claimed[rel])
                            else:
                                conn.cursor().execute(sql)
                            if seen != {r: claimed[r] for r in seen}:
                                problems.append((where, sql, claimed, st["cost"], seen, "(not measured)"))
                            case_sql.append(sql)
                            continue
                    except psycopg2.Error as e:
                        conn.rollback() if not conn.autocommit else conn.cursor().execute("ROLLBACK")
                        said = {c for f in m["findings"] if f["statement"] == st["index"]
                                for c in REFUSES.get(f["rule"], ())}
                        if st["index"] in errors and (not said or e.pgcode in said):
                            raise SkipCase("PostgreSQL refused %s (%s), where zdm reports an error or an unknown "
                                           "object" % (where, e.pgcode))
                        problems.append((where, sql, claimed, st["cost"], {},
                                         "PostgreSQL refused it (%s): %s; zdm reports %s there"
                                         % (e.pgcode, str(e).strip(), " or ".join(sorted(said)) or "no error")))
                        complete = False
                        break
                    existing = {r[0]: r[1] for r in before.values()}
                    zdm_locks = {r: mm for r, mm in claimed.items() if r in existing}
                    # A table's own sequences (serial, identity) are locked through
                    # it (nextval in an INSERT, dropped with the table); zdm
                    # reports the table, which every writer meets first. A
                    # sequence the statement names is compared.
                    locks = {r: mm for r, mm in locks.items()
                             if existing[r] != "S" or r in zdm_locks
                             or re.search(r"\b%s\b" % re.escape(r.split(".", 1)[1]), sql, re.I)}
                    case_sql.append(sql)
                    zcost = "catalog-only" if st["cost"] in CHEAP else st["cost"]
                    if zdm_locks != locks or zcost != cost:
                        problems.append((where, sql, zdm_locks, st["cost"], locks, cost))
                if not claim:
                    no_claim += 1
                    continue
                if not complete:
                    # zdm could not follow a statement of it (not-analysed), or
                    # the server refused one: its verdict is not about what ran.
                    undecided += 1
                    continue
                tables = {qualify(lk["relation"]) for st in m["statements"] for lk in st["locks"]}
                lines = oldcode.compare(queries, claim, old_before, old.run(refused), m, tables)
                if lines is None:
                    undecided += 1
                    continue
                verdicts[claim] += 1
                old_problems += [(m["file"], line) for line in lines]
            ran_sql += case_sql
        except SkipCase as e:
            skipped += 1
            print("skip %s: %s" % (name, e))
        finally:
            conn.close()
            if old:
                old_runs += old.executed
                old.close()
            acur.execute('DROP DATABASE IF EXISTS "%s"' % db)
        bad = []
        for where, sql, zl, zc, sl, sc in problems:
            k = known.get((name, where))
            if k and (k[0] == "all" or str(major) in k[0].split(",")):
                known_seen += 1
                print("known %s %s: %s" % (name, where, k[1]))
                continue
            bad.append("    %s: %s\n      zdm:        locks %s cost %s\n      PostgreSQL: locks %s cost %s"
                       % (where, sql.replace("\n", " ")[:160], json.dumps(zl, sort_keys=True), zc,
                          json.dumps(sl, sort_keys=True), sc))
        for where, text in old_problems:
            k = known_old.get((name, where))
            if k and (k[0] == "all" or str(major) in k[0].split(",")):
                known_seen += 1
                print("known %s %s: %s" % (name, where, k[1]))
                continue
            bad.append("    %s: %s" % (where, text))
        old_wheres = {p[0] for p in old_problems}
        for (kcase, kwhere), (kmajors, _r) in known_old.items():
            if kcase == name and kwhere not in old_wheres and (kmajors == "all" or str(major) in kmajors.split(",")):
                bad.append("    %s: listed in tests/integration/oldcode.known, but zdm's verdict and the old "
                           "code's queries now agree: remove the line" % kwhere)
        wheres = {p[0] for p in problems}
        for (kcase, kwhere), (kmajors, _r) in known.items():
            if kcase == name and kwhere not in wheres and (kmajors == "all" or str(major) in kmajors.split(",")):
                bad.append("    %s: listed in tests/integration/locks.known, but zdm and PostgreSQL now agree: "
                           "remove the line" % kwhere)
        if bad:
            failed += 1
            print("FAIL %s" % name)
            print("\n".join(bad))
        else:
            passed += 1
            print("ok   %s" % name)
    # A listed case that is gone (renamed, removed) would hide nothing but
    # rot: say so.
    cases = {os.path.relpath(c, os.path.join(root, "tests/golden")) for c, _s, _d in golden_cases(root)}
    for kcase, kwhere in list(known) + list(known_old):
        if kcase not in cases and (not only or any(o in kcase for o in only)):
            failed += 1
            print("FAIL tests/integration/locks.known names %s, which is no golden case of plain SQL "
                  "migrations: remove or rename the line" % kcase)
    print("PostgreSQL %d: %d statements compared (%d outside a transaction block), "
          "%d known differences, %d cases skipped" % (major, statements, outside, known_seen, skipped))
    print("PostgreSQL %d: old code's verdicts compared: %d safe, %d breaks (%d not told apart, %d without a "
          "claim); %d queries (%d failing at the deployed point, %d tables' writes left out for a type "
          "without a value), %d runs in %.1f s"
          % (major, verdicts["safe"], verdicts["breaks"], undecided, no_claim, old_queries, old_failing,
             old_unknown, old_runs, oldcode.OldCode.seconds))
    for line in coverage(root, major, ran_sql, not only):
        failed += 1
        print(line)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


class SkipCase(Exception):
    pass


if __name__ == "__main__":
    sys.exit(main())
