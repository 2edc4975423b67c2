/*
 * store_pg_sql.h - the PostgreSQL store's translations between SQLite's
 * dialect and PostgreSQL's: the schema's types, "?" placeholders, and
 * result values as the JSON store.h promises.  Used by store_pg.c only.
 */
#ifndef CAKIOSK_RA_STORE_PG_SQL_H
#define CAKIOSK_RA_STORE_PG_SQL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

/* Column type OIDs (pg_type.h is a server header). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

/* The schema's SQLite types in PostgreSQL's (a new string). */
char *pg_schema(const char *sql);
/* FNV-1a of s, continuing from h. */
uint32_t pg_hash(const char *s, uint32_t h);
/* sql with "?" made "$1", "$2", ... (a new string). */
char *pg_numbered(const char *sql);
/* Is sql one of the caller's own savepoint statements? */
bool pg_is_savepoint(const char *sql);
/* The value at row, col of res as JSON; NULL for a blob. */
json_t *pg_value(const PGresult *res, int row, int col);

#endif
