#!/bin/sh
# art2c.sh - turn assets/art/NAME.txt files into a C header of string arrays
# (static const char *const art_NAME[] = {"line", ..., NULL};).
set -eu
echo "/* Generated from assets/art by kiosk/art2c.sh; do not edit. */"
echo "#ifndef CAKIOSK_ART_H"
echo "#define CAKIOSK_ART_H"
for f in "$@"; do
	name=$(basename "$f" .txt | tr -c 'A-Za-z0-9_\n' '_')
	echo "static const char *const art_${name}[] = {"
	sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t"/; s/$/",/' "$f"
	echo "	NULL,"
	echo "};"
done
echo "#endif"
