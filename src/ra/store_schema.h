/*
 * store_schema.h - the store's schema as its migrations, for store.c:
 * entry i takes the schema from version i to i + 1.  Never edit a
 * released entry; append a new one.
 */
#ifndef CAKIOSK_RA_STORE_SCHEMA_H
#define CAKIOSK_RA_STORE_SCHEMA_H

extern const char *const store_migrations[];
extern const int store_n_migrations;

#endif
