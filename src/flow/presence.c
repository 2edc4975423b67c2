/*
 * presence.c - what is inserted now (see presence.h).
 */
#include <stddef.h>

#include "loop.h"
#include "presence.h"
#include "token_job.h"
#include "token_watch.h"
#include "worker.h"

enum presence
presence_follow(struct job **job, unsigned read_flags, unsigned *generation)
{
	struct token_watch w;
	size_t n = token_watch_state(&w);

	if (*job != NULL) {
		job_cancel(*job);
		*job = NULL;
	}
	if (generation != NULL)
		*generation = w.generation;
	if (n == 0)
		return PRESENCE_NONE;
	if (n > 1)
		return PRESENCE_MANY;
	*job = token_job_read(NULL, read_flags);
	loop_submit(*job);
	return PRESENCE_READING;
}
