/* Generated from assets/art by kiosk/art2c.sh; do not edit. */
#ifndef CAKIOSK_ART_H
#define CAKIOSK_ART_H
static const char *const art_shield[] = {
	"    .-----------.",
	"   /  .-------.  \\",
	"  |  |   CA    |  |",
	"  |  |  [===]  |  |",
	"   \\  '-------'  /",
	"    '-.       .-'",
	"       '-...-'",
	NULL,
};
#endif
