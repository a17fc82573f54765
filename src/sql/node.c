/*
 * node.c — small helpers over PostgreSQL's parse nodes, for the replay and
 * zdm diff; everything else reads the node structs directly (sql/pg.h).
 */
#include "sql.h"
#include "pg.h"

const char *sql_node_name(const Node *node)
{
    /* install-deps writes PostgreSQL's node tags as [T_List] = "List", ... */
    static const char *const names[] = {
#include "nodetags.inc"
    };
    if (!node)
        return "empty";
    unsigned tag = (unsigned)nodeTag(node);
    return tag < sizeof names / sizeof names[0] && names[tag] ? names[tag] : "unknown";
}

/* Every raw parse node that records a location of its own. */
#define LOC(T) \
    case T_##T: \
        return ((const T *)node)->location
int sql_node_location(const Node *node)
{
    if (!node)
        return -1;
    switch (nodeTag(node)) {
    LOC(A_ArrayExpr); LOC(A_Const); LOC(A_Expr); LOC(BoolExpr); LOC(BooleanTest);
    LOC(CaseExpr); LOC(CaseWhen); LOC(CoalesceExpr); LOC(CollateClause); LOC(ColumnDef);
    LOC(ColumnRef); LOC(CommonTableExpr); LOC(DefElem); LOC(FuncCall); LOC(FunctionParameter);
    LOC(GroupingFunc); LOC(GroupingSet); LOC(JsonIsPredicate); LOC(MinMaxExpr);
    LOC(NamedArgExpr); LOC(NullTest); LOC(ParamRef); LOC(PartitionElem); LOC(PartitionSpec);
    LOC(PartitionRangeDatum); LOC(PgConstraint); LOC(RangeVar); LOC(ResTarget); LOC(RoleSpec);
    LOC(RowExpr); LOC(SetToDefault); LOC(SortBy); LOC(SQLValueFunction); LOC(SubLink);
    LOC(TypeCast); LOC(TypeName); LOC(WindowDef); LOC(XmlExpr); LOC(XmlSerialize);
    default:
        return -1;
    }
}
#undef LOC

const char *sql_name_list(const PgList *names, const char **qualifier)
{
    int n = list_length(names);
    const Node *q = n >= 2 ? list_nth(names, n - 2) : NULL;
    const Node *last = n ? llast(names) : NULL;
    if (qualifier)
        *qualifier = q && IsA(q, String) ? strVal(q) : NULL;
    return last && IsA(last, String) ? strVal(last) : NULL;
}

const char *sql_expr_text(Arena *a, const Node *node)
{
    if (!node)
        return "(expression)";
    if (IsA(node, A_Const)) {
        const A_Const *k = castNode(A_Const, node);
        if (k->isnull)
            return "NULL";
        switch (nodeTag(&k->val)) {
        case T_String:
            return arena_printf(a, "'%s'", k->val.sval.sval ? k->val.sval.sval : "");
        case T_Integer:
            return arena_printf(a, "%d", k->val.ival.ival);
        case T_Float:
            return arena_strdup(a, k->val.fval.fval ? k->val.fval.fval : "0");
        case T_Boolean:
            return k->val.boolval.boolval ? "true" : "false";
        default:
            return "(expression)";
        }
    }
    if (IsA(node, TypeCast))
        return sql_expr_text(a, castNode(TypeCast, node)->arg);
    if (IsA(node, FuncCall)) {
        const char *fn = sql_name_list(castNode(FuncCall, node)->funcname, NULL);
        return arena_printf(a, "%s(...)", fn ? fn : "f");
    }
    if (IsA(node, SQLValueFunction))
        return "CURRENT_TIMESTAMP";
    return "(expression)";
}
