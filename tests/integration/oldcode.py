"""The old code's queries, for the differential test (locks.py runs them).

zdm places each pending migration before the deploy only when the old code
(the deployed application, whose model is the schema at the --deployed
migration) keeps working with the schema it leaves. This module checks that
verdict on the real server: it builds, from the server's own catalog at the
deployed point, the queries an ORM of that model makes, runs them before and
after each pending migration, and compares what changed with zdm's verdict.

A golden case gives one step per pending migration, in file order, each
compared with zdm's verdict on it. The old code's model stays the deployed
point's for all of them, as in zdm (DESIGN.md section 2): a table an earlier
pending migration creates is not in it, since the old code never heard of
it. Running the migrations in file order rather than zdm's phase order
changes nothing compared: a migration placed before the deploy touches
nothing an earlier after-deploy one touched (they swap places only when
disjoint), and queries an earlier migration already broke are left out.

The queries are Django's, since zdm's model is an ORM that names its columns
(DESIGN.md section 1): per table the old code knows,

  SELECT "id", "a", "b" FROM "s"."t" WHERE "id" = v LIMIT 21      (get())
  INSERT INTO "s"."t" ("a", "b") VALUES (v, NULL) RETURNING "id"  (create())
  UPDATE "s"."t" SET "a" = v, "b" = v WHERE "id" = v              (save())

INSERT lists every column but the generated ones and those filled by a
sequence or an identity (the AutoField), with a value for each NOT NULL one
and NULL for the nullable ones, as Django's create() of an object with only
its required fields set (Django names every field it knows in an INSERT, so
a dropped nullable column breaks it too); UPDATE sets every column but the primary key to a value; a view
or materialized view gets the SELECT only. Values are what psycopg2 sends for
the Python value Django holds (7919, 'zdm', '2024-01-02'::date, true, ...),
derived from each column's type as the server has it (pg_attribute, pg_type),
not as zdm thinks it is.

Each query also runs prepared: PREPAREd before the migration, EXECUTEd after
it, as a client that keeps server-side prepared statements (pgjdbc after
prepareThreshold uses, psycopg 3 after prepare_threshold, pgx) does with
explicit column lists. SQL-level PREPARE goes through the same plan cache as
the extended protocol's named statements (psycopg2, which the suite uses, has
no protocol-level prepare). A column whose type or typmod changes then fails
with "cached plan must not change result type" (0A000), though a fresh
plain query works. Rails' default `SELECT "t".*` prepared statements are
left out on purpose: they fail on every ADD COLUMN (which Rails absorbs by
re-preparing outside a transaction, and Rails 7's
enumerate_columns_in_select_statements avoids), and zdm's model is an ORM
that names its columns.

Each query runs in a transaction that is rolled back, so the migration meets
the data its case set up. Foreign keys are not checked there
(session_replication_role = replica): the old code inserts rows that refer to
rows it created first, which a single query cannot, and a reference to a
missing row says nothing about the schema (user triggers are silenced with
them: a trigger that rejects the old code's rows is not seen). A partitioned
table's key gets its first partition's bound, and an INSERT the deployed
point refuses (a CHECK that a nullable column be set) is tried again with
every field set. Queries that still fail before a migration (a CHECK the
made-up values miss, an earlier migration that broke them) say nothing
about it and are left out of its comparison.

The verdict, from zdm's JSON:
  - safe: the migration is before-deploy with no breaks-old-code finding.
    Every query that ran before it must run after it, but for the failures
    a finding of zdm on a statement that locks the query's table foretells
    (FORETOLD): a constraint that rejects the made-up row
    (constraint-may-reject-writes: whether the old code writes such rows
    depends on its data), a value that no longer fits (type-change-narrows),
    a prepared statement whose result type changed
    (type-change-cached-plans), an enum value renamed away
    (rename-enum-value: zdm's placement does not model enum values; the
    finding, an error, says the old code's writes fail).
  - breaks: its reason says what the old code's query meets when it runs
    before the deploy ("run before the deploy, old code's ..."), or it is
    forced before the deploy and carries breaks-old-code. At least one query
    that ran before it must fail after it; if none does and none of its
    tables' queries failed already, zdm's verdict is a false positive.
  - none: placed after the deploy by a directive, or kept after the deploy
    only by the order of migrations (it follows one that must run after
    it): zdm claims nothing about the old code, nothing is checked.
A migration with a statement zdm could not analyse (locks.py does not run
it) or one the server refused is not compared either: what ran is not what
zdm judged.
"""
import re
import time

import psycopg2

OLD_CODE_REASON = "run before the deploy, "

# Values as psycopg2 renders the Python value Django holds for each type.
# Text-like values are cut to the column's length.
BY_TYPE = {
    "int2": "7919", "int4": "7919", "int8": "7919", "oid": "7919",
    "numeric": "0.5", "float4": "0.5", "float8": "0.5", "money": "0.5",
    "bool": "true",
    "date": "'2024-01-02'::date",
    "timestamp": "'2024-01-02T03:04:05'::timestamp",
    "timestamptz": "'2024-01-02T03:04:05+00:00'::timestamptz",
    "time": "'03:04:05'::time",
    "timetz": "'03:04:05+00:00'::timetz",
    "interval": "'0 days 3600.000000 seconds'::interval",
    "uuid": "'5a4a8e1c-3d5b-4a8e-9c1f-2b6d7e8f9a0b'::uuid",
    "json": "'{\"zdm\": 1}'", "jsonb": "'{\"zdm\": 1}'",
    "bytea": "'\\x7a646d'::bytea",
    "inet": "'192.0.2.1'", "cidr": "'192.0.2.0/24'",
    "macaddr": "'08:00:2b:01:02:03'",
    "tsvector": "'zdm'", "xml": "'<zdm/>'",
    "point": "'(1,2)'",
}
TEXT_TYPES = {"text", "varchar", "bpchar", "citext", "name", "char"}


def _quote(s):
    return "'" + s.replace("'", "''") + "'"


def _ident(s):
    return '"' + s.replace('"', '""') + '"'


class Types:
    """A plausible value per type oid and typmod, read from pg_type."""

    def __init__(self, cur):
        self.cur = cur
        self.cache = {}

    def value(self, oid, typmod):
        key = (oid, typmod)
        if key not in self.cache:
            self.cache[key] = self._value(oid, typmod)
        return self.cache[key]

    def _value(self, oid, typmod):
        self.cur.execute("""SELECT typname, typtype, typelem, typbasetype, typtypmod, typcategory,
                                   typlen, (SELECT enumlabel FROM pg_enum WHERE enumtypid = t.oid
                                            ORDER BY enumsortorder LIMIT 1)
                            FROM pg_type t WHERE oid = %s""", (oid,))
        name, kind, elem, base, basemod, category, length, label = self.cur.fetchone()
        if kind == "d":
            return self._value(base, basemod)
        if kind == "e":
            return _quote(label) if label is not None else None
        if kind == "r":
            return "'empty'"
        if kind == "m":
            return "'{}'"
        if category == "A" and elem and length == -1:
            v = self._value(elem, typmod)
            return "ARRAY[%s]" % v if v is not None else "'{}'"
        if name in TEXT_TYPES:
            n = typmod - 4 if typmod > 4 and name in ("varchar", "bpchar") else 3
            return _quote("zdm"[:n])
        if name in ("bit", "varbit"):
            return "B'%s'" % ("1" * max(typmod, 1) if name == "bit" else "1")
        return BY_TYPE.get(name)


def _relations(cur):
    """The relations the old code knows at the deployed point: tables (not
    partitions: the ORM queries the parent), views and materialized views,
    outside the system schemas and not an extension's."""
    cur.execute("""
        SELECT c.oid, n.nspname, c.relname, c.relkind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 2, 3""")
    return cur.fetchall()


def _columns(cur, oid):
    cur.execute("""
        SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.attidentity <> '',
               a.attgenerated <> '',
               coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%%', false),
               coalesce(a.attnum = ANY (i.indkey), false), a.attnum
        FROM pg_attribute a
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
        WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum""", (oid,))
    return cur.fetchall()


def _partition_value(cur, oid):
    """(attnum, literal) that puts a row of partitioned table oid in its
    first partition, by name: the lower bound of a range, the first value of
    a list; None when any value does (hash, a default partition) or the
    bound is not a plain literal."""
    cur.execute("""
        SELECT pg_get_expr(c.relpartbound, c.oid), pt.partattrs[0]
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_partitioned_table pt ON pt.partrelid = i.inhparent
        WHERE i.inhparent = %s AND pt.partstrat IN ('r', 'l')
          AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
        ORDER BY c.relname LIMIT 1""", (oid,))
    row = cur.fetchone()
    if not row or not row[1]:
        return None
    m = re.match(r"FOR VALUES (?:FROM|IN) \(('(?:[^']|'')*'|-?[0-9.]+)[,)]", row[0])
    return (row[1], m.group(1)) if m else None


class Query:
    """One query of the old code: its SQL with $n placeholders and the
    literal for each."""

    def __init__(self, table, verb, text, values):
        self.table, self.verb, self.text, self.values = table, verb, text, values
        self.fallback = None  # a Query to use instead if this one fails before any migration

    def plain(self):
        # from the last placeholder down, so $1 does not eat $10
        sql = self.text
        for i in range(len(self.values), 0, -1):
            sql = sql.replace("$%d" % i, self.values[i - 1])
        return sql


def model_queries(cur):
    """The old code's queries, from the server's catalog as it is now (the
    deployed point). Returns (queries, count of columns of a type no value
    is known for, whose table's writes are left out)."""
    types = Types(cur)
    queries, unknown = [], 0
    for oid, schema, name, kind in _relations(cur):
        table = "%s.%s" % (schema, name)
        rel = "%s.%s" % (_ident(schema), _ident(name))
        cols = _columns(cur, oid)
        if not cols:
            continue
        pk = [c for c in cols if c[7]]
        where, wvals = "", []
        if len(pk) == 1:
            v = types.value(pk[0][1], pk[0][2])
            if v is not None:
                where, wvals = " WHERE %s = $1" % _ident(pk[0][0]), [v]
        queries.append(Query(table, "SELECT", "SELECT %s FROM %s%s LIMIT 21"
                             % (", ".join(_ident(c[0]) for c in cols), rel, where), wvals))
        if kind not in ("r", "p"):
            continue
        bound = _partition_value(cur, oid) if kind == "p" else None
        returning = " RETURNING %s" % ", ".join(_ident(c[0]) for c in pk) if pk else ""
        inserts = []
        # The object with only its required fields set; failing that (a
        # CHECK that a nullable column be set, say), with every field set.
        for every in (False, True):
            names, vals, missing = [], [], False
            for cname, typ, typmod, notnull, identity, generated, serial, _inpk, attnum in cols:
                if identity or generated or serial:
                    continue
                if bound and bound[0] == attnum:
                    v = bound[1]
                else:
                    v = types.value(typ, typmod) if notnull or every else "NULL"
                if v is None:
                    missing = True
                names.append(_ident(cname))
                vals.append(v)
            if missing:
                break
            inserts.append(Query(table, "INSERT", "INSERT INTO %s (%s) VALUES (%s)%s"
                                 % (rel, ", ".join(names),
                                    ", ".join("$%d" % (i + 1) for i in range(len(vals))), returning), vals)
                           if names else
                           Query(table, "INSERT", "INSERT INTO %s DEFAULT VALUES%s" % (rel, returning), []))
        if not inserts:
            unknown += 1
        else:
            if len(inserts) == 2 and inserts[1].values != inserts[0].values:
                inserts[0].fallback = inserts[1]
            queries.append(inserts[0])
        if not where:
            continue  # Django saves by primary key; a table without one is not a model it writes
        sets, svals = [], []
        for cname, typ, typmod, _nn, identity, generated, _serial, inpk, attnum in cols:
            if inpk or generated or identity:
                continue
            v = bound[1] if bound and bound[0] == attnum else types.value(typ, typmod)
            if v is None:
                sets = None
                break
            sets.append("%s = $%d" % (_ident(cname), len(svals) + 1))
            svals.append(v)
        if sets:
            queries.append(Query(table, "UPDATE", "UPDATE %s SET %s WHERE %s = $%d"
                                 % (rel, ", ".join(sets), _ident(pk[0][0]), len(svals) + 1),
                                 svals + wvals))
        elif sets is None:
            unknown += 1
    return queries, unknown


def _first_line(e):
    return "%s [%s]" % (str(e).strip().splitlines()[0], e.pgcode)


def _timed(method):
    """Adds the method's wall time to OldCode.seconds: the figure the suite
    reports as the old code's share of its time."""
    def timed(self, *args):
        t0 = time.monotonic()
        try:
            return method(self, *args)
        finally:
            type(self).seconds += time.monotonic() - t0
    return timed


class OldCode:
    """A session of the old code at the deployed point: builds its queries
    from the catalog there (queries; unknown: tables whose writes are left
    out for a column of a type no value is made up for), runs them plain and
    prepared, and says which of them fail."""

    seconds = 0.0  # across every session of the run

    @_timed
    def __init__(self, dsn, cur):
        self.queries, self.unknown = model_queries(cur)
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.cur.execute("SET session_replication_role = replica")
        self.executed = 0
        for i, q in enumerate(self.queries):
            if q.fallback and self._run(q.plain()) and not self._run(q.fallback.plain()):
                self.queries[i] = q.fallback

    def close(self):
        self.conn.close()

    def _run(self, sql):
        # One round trip: the three statements go as one simple query, which
        # stops at an error and leaves the transaction to roll back.
        self.executed += 1
        try:
            self.cur.execute("BEGIN; %s; ROLLBACK" % sql)
            return None
        except psycopg2.Error as e:
            self.cur.execute("ROLLBACK")
            return _first_line(e)

    @_timed
    def prepare(self):
        """DEALLOCATEs what the last migration saw and PREPAREs every query
        afresh. Returns {index: error} for those the server refuses now."""
        self.executed += 1
        try:  # all at once, the usual case; one by one when one is refused
            self.cur.execute("DEALLOCATE ALL; " + "; ".join(
                "PREPARE zdm_old_%d AS %s" % (i, q.text) for i, q in enumerate(self.queries)))
            return {}
        except psycopg2.Error:
            pass
        self.cur.execute("DEALLOCATE ALL")
        refused = {}
        for i, q in enumerate(self.queries):
            self.executed += 1
            try:
                self.cur.execute("PREPARE zdm_old_%d AS %s" % (i, q.text))
            except psycopg2.Error as e:
                refused[i] = _first_line(e)
        return refused

    @_timed
    def run(self, refused):
        """Runs every query plain and prepared (those in refused, never
        prepared, count as failing). Returns {(index, "plain"|"prepared"): error or None}."""
        out = {}
        for i, q in enumerate(self.queries):
            out[(i, "plain")] = self._run(q.plain())
            if i in refused:
                out[(i, "prepared")] = refused[i]
            else:
                args = "(%s)" % ", ".join(q.values) if q.values else ""
                out[(i, "prepared")] = self._run("EXECUTE zdm_old_%d%s" % (i, args))
        return out


def verdict(m):
    """zdm's claim about the old code for one pending migration of its JSON:
    "safe", "breaks" or None (no claim)."""
    if m["phase"] == "before-deploy":
        return "breaks" if any(f["rule"] == "breaks-old-code" for f in m["findings"]) else "safe"
    reason = m["reason"] or ""
    if reason.startswith(OLD_CODE_REASON):
        return "breaks"
    return None


# SQLSTATE (or its class) -> the rules whose finding foretells that failure
FORETOLD = {
    "23": ("constraint-may-reject-writes",),        # integrity constraint violation
    "22001": ("type-change-narrows",),              # value too long for the type
    "22003": ("type-change-narrows",),              # numeric value out of range
    "0A000": ("type-change-cached-plans",),         # cached plan must not change result type
    "22P02": ("rename-enum-value",),                # invalid input value for enum (a type: no table)
}
# rules whose statement locks no table: any finding of it in the migration counts
TABLELESS = {"rename-enum-value"}


def _foretold(err, m, table):
    code = err[err.rfind("[") + 1:-1]
    rules = FORETOLD.get(code) or FORETOLD.get(code[:2]) or ()
    for f in m["findings"]:
        if f["rule"] in rules and f["rule"] in TABLELESS:
            return True
        if f["rule"] in rules and f["statement"] is not None:
            locks = m["statements"][f["statement"]]["locks"]
            if any((lk["relation"] if "." in lk["relation"] else "public." + lk["relation"]) == table
                   for lk in locks):
                return True
    return False


def compare(queries, claim, before, after, m, tables):
    """Problems (text lines) of one migration, given zdm's claim and each
    query's error before and after it; None when it cannot be told (zdm says
    it breaks the old code, nothing newly fails, but queries on the tables
    it locks failed already). tables: the relations its statements lock."""
    broke = [k for k, err in after.items() if err and not before[k]]
    if claim == "safe":
        broke = [k for k in broke if not _foretold(after[k], m, queries[k[0]].table)]
    desc = lambda k: "%s %s (%s)" % (queries[k[0]].verb, queries[k[0]].table, k[1])
    if claim == "safe" and broke:
        lines = ["zdm says %s, the old code keeps working (%s); but these old-code queries that ran before it "
                 "fail after it:" % (m["phase"], (m["reason"] or "").replace("\n", " "))]
        for k in sorted(broke):
            q = queries[k[0]]
            lines.append("      %s %s, %s: %s\n        %s"
                         % (q.verb, q.table, k[1], (q.plain() if k[1] == "plain" else
                                                    "EXECUTE of PREPARE " + q.text)[:300], after[k]))
        return ["\n".join(lines)]
    if claim == "breaks" and not broke:
        ran = sum(1 for k in before if not before[k])
        if any(before[k] and queries[k[0]].table in tables for k in before):
            return None  # they fail already: whether this one breaks them too is not seen
        return ["zdm says %s: %s; but all %d old-code queries that ran before it still run after it"
                % (m["phase"], (m["reason"] or "breaks-old-code").replace("\n", " "), ran)]
    return []
