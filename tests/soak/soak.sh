#!/bin/sh
# soak.sh - the full soak, on demand: one kiosk process through 500 visits
# (or $1) against cakiosk-ra, its memory, descriptors and threads and the
# backend's at visits 1, V/5, V/2 and V (tests/soak/test_soak.sh, whose
# short form make check runs).  About six minutes on 2 cores.
#
#   B=build sh tests/soak/soak.sh [VISITS]
SOAK_VISITS=${1:-500} exec sh "$(dirname "$0")/test_soak.sh"
