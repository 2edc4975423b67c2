/*
 * upslot.c - the uploads received at once (see upslot.h).
 */
#include "ra/upslot.h"

#include <string.h>

void
upslots_init(struct upslots *s)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
}

void
upslots_fini(struct upslots *s)
{
	pthread_mutex_destroy(&s->mu);
}

int
upslot_take(struct upslots *s, const char *path, int *slot)
{
	int free_at = -1, busy = 0;
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < UPSLOT_MAX && !busy; i++) {
		if (!s->path[i])
			free_at = free_at < 0 ? i : free_at;
		else if (strcmp(s->path[i], path) == 0)
			busy = 409;
	}
	if (!busy && free_at < 0)
		busy = 503;
	if (!busy) {
		s->path[free_at] = path;
		*slot = free_at + 1;
	}
	pthread_mutex_unlock(&s->mu);
	return busy;
}

void
upslot_give_back(struct upslots *s, int *slot)
{
	if (!*slot)
		return;
	pthread_mutex_lock(&s->mu);
	s->path[*slot - 1] = NULL;
	pthread_mutex_unlock(&s->mu);
	*slot = 0;
}
