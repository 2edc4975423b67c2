/*
 * presence.h - what is inserted now, for a screen that waits for one UKey
 * and reads it (the insert step, Check my UKey): none, more than one, or
 * one, whose read is started.
 */
#ifndef CAKIOSK_PRESENCE_H
#define CAKIOSK_PRESENCE_H

struct job;

enum presence { PRESENCE_NONE, PRESENCE_MANY, PRESENCE_READING };

/*
 * Looks at the UKeys the watcher sees now.  A read still in *job is
 * cancelled first (what it reads may be gone); with exactly one UKey a new
 * read of it (token_job_read with read_flags) is submitted and left in
 * *job.  generation (may be NULL) gets the watcher's generation.
 */
enum presence presence_follow(struct job **job, unsigned read_flags,
			      unsigned *generation);

#endif
