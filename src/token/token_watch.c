/*
 * token_watch.c - notice UKeys going in and out (see token_watch.h).
 *
 * One thread looks at every loaded module's slot list (C_GetSlotList with
 * tokenPresent) every WATCH_POLL_MS, sleeping in poll() on a pipe in
 * between: no busy loop.  C_GetTokenInfo (SoftHSM reads the token's files
 * for it) is asked only where the answer may have changed: for a slot new
 * in the list, for every slot of a module whose list changed, for a slot
 * that failed to answer last time, and in a full look.  What a token's info
 * comes to (serial, label, vendors) is kept with it, so an idle look costs
 * the slot list and little more.  A full look asks every slot: every
 * WATCH_FULL_MS (a card swapped in the same reader between two looks, a
 * token relabelled by another program, or a reader that has begun to fail
 * shows only there), after a slot event or token_watch_recheck(), and while
 * the token layer is in use (token_watch_used() within WATCH_BUSY_MS: a
 * token the kiosk just initialised is seen at once, as before).
 * When the set of tokens changes it bumps a generation, tells the core (so
 * libp11 gets a fresh view of the slots) and writes a byte to a pipe the
 * event loop polls.
 *
 * Where a module supports a blocking C_WaitForSlotEvent, a second thread
 * waits in it and wakes the poller at once; the polling stays as the
 * safety net, because real modules' events are unreliable (OpenSC's lag and
 * miss insertions; SoftHSM has none).  C_Finalize at shutdown ends the wait;
 * the waiter holds the module (token_module_hold) so that it is not unmapped
 * under the thread before that wait has returned.
 * A module whose wait fails or returns too often is left to polling.
 *
 * The watcher uses the module's own function list, never libp11, so it
 * never waits for a token operation on the worker.
 */
#define _GNU_SOURCE /* pipe2 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"
#include "token_int.h"
#include "token_watch.h"

/*
 * A look every half second: a UKey is seen within 0.5 s of going in or
 * out (pcscd itself looks at readers without card events every 0.4 s).
 * Idle, what a look costs is mostly the wake-up itself: a thread woken
 * after sleeping this long spent about 170 us of CPU on a 2-core virtual
 * machine (cold caches), the list a few microseconds more, so the looks
 * per second are most of the kiosk's idle CPU.  With a full look (below)
 * every 4 s instead of 2, the kiosk idle with the test module went from
 * 0.089% to 0.068% of a core (tests/bench/idle.sh, 60 s, one window).
 */
#define WATCH_POLL_MS 500
/*
 * A token whose C_GetTokenInfo fails with anything but "not there" stays
 * counted for this many looks (3 s): a reader's passing error must not
 * make every screen start over.  A card that keeps failing is then gone.
 */
#define GLITCH_LOOKS (3000 / WATCH_POLL_MS)
/*
 * Every slot's token info, at least this often.  Such a look costs far
 * more than the list (SoftHSM opens the token's files about 46 times:
 * 0.7 ms, half the idle watcher's CPU at one every 2 s); what it alone
 * sees is rare: a reader that has begun to fail (then gone 3 s later),
 * a card swapped between two looks, a token relabelled elsewhere.
 */
#define WATCH_FULL_MS 4000
/* Full looks for this long after a token call: three of them. */
#define WATCH_BUSY_MS (3 * WATCH_POLL_MS)
#define EVENT_BURST 20 /* events within a second that mean "broken" */

static struct {
	pthread_mutex_t lock;
	pthread_t thread;
	bool running;
	bool stop;
	bool force; /* report the next look as a change */
	bool full;  /* the next look asks every slot */
	int pipe[2];
	int wake[2]; /* a byte in it: look now (poke) */
	struct token_watch state;
	int loaded; /* modules that loaded */
	struct {
		pthread_t thread;
		bool started;
	} waiters[TOKEN_MAX_MODULES];
} W = {.lock = PTHREAD_MUTEX_INITIALIZER, .pipe = {-1, -1}, .wake = {-1, -1}};

/* Have the poller look now.  W.lock held: the pipe is not closed under it. */
static void
poke(void)
{
	if (W.wake[1] >= 0) {
		ssize_t unused = write(W.wake[1], "p", 1);

		(void)unused; /* a full pipe already says "look" */
	}
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* When the token layer was last used (token_watch_used), ms. */
static _Atomic int64_t last_used = INT64_MIN / 2;

void
token_watch_used(void)
{
	atomic_store(&last_used, now_ms());
}

/* Per module, "slot:serial;" of each token: what the core must know about. */
typedef char module_key[TOKEN_WATCH_MAX * (TOKEN_TEXT_MAX + 24)];

static bool
rv_gone(CK_RV rv)
{
	return rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_REMOVED ||
	       rv == CKR_SLOT_ID_INVALID || rv == CKR_TOKEN_NOT_RECOGNIZED;
}

/* The token the last look saw in this slot, or NULL. */
static const struct token_present *
seen_before(const struct token_watch *prev, int mi, CK_SLOT_ID id)
{
	for (size_t i = 0; i < prev->count && i < TOKEN_WATCH_MAX; i++)
		if (prev->tokens[i].ref.module == mi && prev->tokens[i].ref.slot == id)
			return &prev->tokens[i];
	return NULL;
}

/* Looks in a row a slot's token could not be read: [module][slot % 32]. */
static unsigned char glitches[TOKEN_MAX_MODULES][32];

/*
 * What a token's info comes to, worked out when it is read and kept while
 * the module's slot list stays the same: an idle look does no more than
 * list the slots.
 */
struct slot_token {
	char serial[TOKEN_TEXT_MAX];
	char key[TOKEN_TEXT_MAX + 24]; /* "slot:serial;" (module_key) */
	char dup[2 * TOKEN_TEXT_MAX];  /* manufacturer and serial */
	char label[TOKEN_TEXT_MAX];    /* sanitized */
	unsigned vendor_mask;
};

/* What the last look read, per module: its slot list and each token. */
static struct slot_cache {
	bool valid;
	CK_ULONG n;
	CK_SLOT_ID ids[32];
	bool ok[32];
	struct slot_token tok[32];
} cache[TOKEN_MAX_MODULES];

/*
 * Read the token info of slot i of module mi into the cache, unless reuse
 * (the module's list is the same as at the last look, and not a full look)
 * and the slot answered then: nothing is asked of the module.
 */
static CK_RV
slot_token(CK_FUNCTION_LIST_PTR f, int mi, bool reuse, CK_ULONG i)
{
	struct slot_cache *c = &cache[mi];
	struct slot_token *t = &c->tok[i];
	CK_TOKEN_INFO ti;
	char manuf[TOKEN_TEXT_MAX], model[TOKEN_TEXT_MAX], label[TOKEN_TEXT_MAX];
	CK_RV rv;

	if (reuse && c->ok[i])
		return CKR_OK;
	rv = f->C_GetTokenInfo(c->ids[i], &ti);
	c->ok[i] = rv == CKR_OK;
	if (rv != CKR_OK)
		return rv;
	token_trim(ti.serialNumber, sizeof ti.serialNumber, t->serial, sizeof t->serial);
	token_trim(ti.manufacturerID, sizeof ti.manufacturerID, manuf, sizeof manuf);
	token_trim(ti.model, sizeof ti.model, model, sizeof model);
	token_trim(ti.label, sizeof ti.label, label, sizeof label);
	snprintf(t->key, sizeof t->key, "%lu:%s;", (unsigned long)c->ids[i], t->serial);
	snprintf(t->dup, sizeof t->dup, "%s\n%s", manuf, t->serial);
	t->vendor_mask = token_match_vendors(mi, manuf, model, label);
	token_clean(ti.label, sizeof ti.label, t->label, sizeof t->label);
	return CKR_OK;
}

/* Append one token's "slot:serial;" to its module's key, if it fits. */
static void
key_add(module_key key, size_t *used, const char *part)
{
	size_t n = strlen(part);

	if (n < sizeof(module_key) - *used) {
		memcpy(key + *used, part, n + 1);
		*used += n;
	}
}

/*
 * Every token present now, as the watcher reports them.  prev is what the
 * last look reported: a token it saw whose slot now fails to answer for a
 * moment is carried over as it was.
 */
static void
scan(struct token_watch *out, module_key *keys, const struct token_watch *prev, bool full)
{
	char seen[TOKEN_WATCH_MAX][2 * TOKEN_TEXT_MAX];
	size_t nseen = 0;

	memset(out, 0, sizeof *out);
	for (int mi = 0; mi < token_module_count() && mi < TOKEN_MAX_MODULES; mi++) {
		CK_FUNCTION_LIST_PTR f = token_module_functions(mi);
		CK_SLOT_ID ids[32];
		CK_ULONG n = 32;
		size_t used = 0;
		struct slot_cache *c = &cache[mi];
		bool reuse;

		keys[mi][0] = '\0';
		if (f == NULL || f->C_GetSlotList(CK_TRUE, ids, &n) != CKR_OK) {
			c->valid = false;
			continue;
		}
		if (n > 32)
			n = 32;
		reuse = !full && c->valid && c->n == n &&
			memcmp(c->ids, ids, n * sizeof ids[0]) == 0;
		c->valid = true;
		c->n = n;
		memcpy(c->ids, ids, n * sizeof ids[0]);
		for (CK_ULONG i = 0; i < n; i++) {
			const struct slot_token *t = &c->tok[i];
			struct token_present *p;
			bool dup = false;
			CK_RV rv = slot_token(f, mi, reuse, i);
			unsigned char *g = &glitches[mi][ids[i] % 32];

			if (rv != CKR_OK) {
				const struct token_present *was =
					rv_gone(rv) ? NULL
						    : seen_before(prev, mi, ids[i]);
				char part[TOKEN_TEXT_MAX + 24];

				if (was == NULL || *g >= GLITCH_LOOKS)
					continue;
				if (++*g == 1)
					log_warn("token: slot %lu does not answer "
						 "(0x%lx); "
						 "still counted as present",
						 (unsigned long)ids[i],
						 (unsigned long)rv);
				snprintf(part, sizeof part, "%lu:%s;",
					 (unsigned long)ids[i], was->ref.serial);
				key_add(keys[mi], &used, part);
				if (out->count < TOKEN_WATCH_MAX)
					out->tokens[out->count] = *was;
				out->count++;
				continue;
			}
			*g = 0;
			key_add(keys[mi], &used, t->key);
			/* The same card seen through two modules counts once. */
			for (size_t s = 0; s < nseen && t->serial[0] != '\0'; s++)
				dup |= strcmp(seen[s], t->dup) == 0;
			if (dup)
				continue;
			if (nseen < TOKEN_WATCH_MAX)
				memcpy(seen[nseen++], t->dup, sizeof t->dup);
			if (out->count < TOKEN_WATCH_MAX) {
				p = &out->tokens[out->count];
				p->ref.module = mi;
				p->ref.slot = ids[i];
				memcpy(p->ref.serial, t->serial, sizeof t->serial);
				p->vendor_mask = t->vendor_mask;
				/* The customer's choice may change between looks. */
				p->vendor = token_pick_vendor(&p->ref, p->vendor_mask);
				memcpy(p->label, t->label, sizeof t->label);
			}
			out->count++;
		}
	}
}

static bool
same_set(const struct token_watch *a, const struct token_watch *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count && i < TOKEN_WATCH_MAX; i++) {
		const struct token_present *x = &a->tokens[i], *y = &b->tokens[i];

		if (x->ref.module != y->ref.module || x->ref.slot != y->ref.slot ||
		    strcmp(x->ref.serial, y->ref.serial) != 0 || x->vendor != y->vendor ||
		    x->vendor_mask != y->vendor_mask || strcmp(x->label, y->label) != 0)
			return false;
	}
	return true;
}

/* Look once; tell the loop if something changed.  W.lock not held. */
static void
update(void)
{
	/* Only the watcher thread (and token_watch_start before it) runs this. */
	static module_key prev[TOKEN_MAX_MODULES];
	static module_key cur[TOKEN_MAX_MODULES];
	static int64_t last_full = INT64_MIN / 2;
	struct token_watch now, last;
	bool changed, full;
	int64_t t = now_ms();

	pthread_mutex_lock(&W.lock);
	last = W.state;
	full = W.full || W.force || t - last_full >= WATCH_FULL_MS ||
	       t - atomic_load(&last_used) < WATCH_BUSY_MS;
	W.full = false;
	pthread_mutex_unlock(&W.lock);
	if (full)
		last_full = t;
	scan(&now, cur, &last, full);
	/*
	 * A module whose tokens changed gets a fresh libp11 view before its next
	 * call.  A token pulled and put back between two looks is missed here;
	 * the core notices from the failing call (its sessions are gone).
	 */
	for (int mi = 0; mi < token_module_count() && mi < TOKEN_MAX_MODULES; mi++) {
		if (strcmp(cur[mi], prev[mi]) != 0)
			token_module_changed(mi);
		memcpy(prev[mi], cur[mi], sizeof prev[mi]);
	}
	pthread_mutex_lock(&W.lock);
	changed = W.force || !same_set(&now, &W.state);
	W.force = false;
	if (changed) {
		now.generation = W.state.generation + 1;
		W.state = now;
	}
	pthread_mutex_unlock(&W.lock);
	if (!changed)
		return;
	log_info("token: %zu UKey(s) present", now.count);
	if (W.pipe[1] >= 0) {
		ssize_t unused = write(W.pipe[1], "t", 1);

		(void)unused; /* a full pipe already says "look" */
	}
}

/*
 * Look, then sleep in one poll() until the next look is due or a poke: idle,
 * the wait is most of what this thread costs, and a timed wait on a
 * condition variable takes two futex calls and the lock again each time.
 * A poke during a look leaves its byte in the pipe: the next look is at once.
 */
static void *
watch_main(void *arg)
{
	struct pollfd p = {.fd = W.wake[0], .events = POLLIN};
	bool stop = false;

	(void)arg;
	while (!stop) {
		update();
		if (poll(&p, 1, WATCH_POLL_MS) > 0) {
			char buf[16];

			while (read(W.wake[0], buf, sizeof buf) > 0)
				;
		}
		pthread_mutex_lock(&W.lock);
		stop = W.stop;
		pthread_mutex_unlock(&W.lock);
	}
	return NULL;
}

/*
 * One module's blocking C_WaitForSlotEvent, waking the poller.  arg packs
 * the module and the hold taken for this thread (token_module_hold): the
 * module stays mapped until the thread's last call has returned.
 */
static void *
waiter_main(void *arg)
{
	uintptr_t a = (uintptr_t)arg;
	int mi = (int)(a % TOKEN_MAX_MODULES);
	unsigned ticket = (unsigned)(a / TOKEN_MAX_MODULES);
	CK_FUNCTION_LIST_PTR f = token_module_functions(mi);
	int64_t window = now_ms();
	int burst = 0;

	for (;;) {
		CK_SLOT_ID slot;
		CK_RV rv = f->C_WaitForSlotEvent(0, &slot, NULL);
		bool stop;

		pthread_mutex_lock(&W.lock);
		stop = W.stop;
		if (rv == CKR_OK && !stop) {
			W.full = true;
			poke();
		}
		pthread_mutex_unlock(&W.lock);
		if (rv != CKR_OK || stop) {
			if (rv != CKR_CRYPTOKI_NOT_INITIALIZED && !stop)
				log_info("token: module %d: slot events stopped (0x%lx); "
					 "polling",
					 mi, (unsigned long)rv);
			break;
		}
		if (now_ms() - window > 1000) {
			window = now_ms();
			burst = 0;
		} else if (++burst > EVENT_BURST) {
			log_warn(
				"token: module %d: too many slot events; polling instead",
				mi);
			break;
		}
	}
	token_module_unhold(mi, ticket);
	return NULL;
}

static void
pipes_close(void)
{
	int *fds[] = {W.pipe, W.wake};

	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if (fds[i][0] >= 0) {
			close(fds[i][0]);
			close(fds[i][1]);
		}
		fds[i][0] = fds[i][1] = -1;
	}
}

int
token_watch_start(const struct config *cfg)
{
	if (W.running)
		return W.pipe[0];
	W.loaded = token_init(cfg);
	if (W.loaded == 0)
		return -1;
	if (pipe2(W.pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	if (pipe2(W.wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		pipes_close();
		return -1;
	}
	W.stop = false;
	W.full = true;
	memset(&W.state, 0, sizeof W.state);
	memset(cache, 0, sizeof cache);
	/* The first look before returning: the status line is right at once. */
	update();
	if (pthread_create(&W.thread, NULL, watch_main, NULL) != 0) {
		pipes_close();
		return -1;
	}
	/* Named, so that its CPU time can be told apart (tests/bench/idle.sh). */
	pthread_setname_np(W.thread, "ukey-watch");
	W.running = true;
	for (int mi = 0; mi < token_module_count() && mi < TOKEN_MAX_MODULES; mi++) {
		CK_FUNCTION_LIST_PTR f = token_module_functions(mi);
		CK_SLOT_ID slot;
		CK_RV rv;
		unsigned ticket;

		if (f == NULL)
			continue;
		rv = f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
		if (rv != CKR_OK && rv != CKR_NO_EVENT)
			continue;
		ticket = token_module_hold(mi);
		if (ticket == 0)
			continue;
		W.waiters[mi].started =
			pthread_create(&W.waiters[mi].thread, NULL, waiter_main,
				       (void *)((uintptr_t)ticket * TOKEN_MAX_MODULES +
						(uintptr_t)mi)) == 0;
		if (!W.waiters[mi].started)
			token_module_unhold(mi, ticket);
	}
	return W.pipe[0];
}

/*
 * Stop the poller.  Waiters blocked in C_WaitForSlotEvent are detached
 * here and end when token_shutdown() finalises their module; it waits for
 * them (their holds) before unmapping the module.
 */
void
token_watch_stop(void)
{
	if (!W.running)
		return;
	pthread_mutex_lock(&W.lock);
	W.stop = true;
	poke();
	pthread_mutex_unlock(&W.lock);
	pthread_join(W.thread, NULL);
	for (int mi = 0; mi < TOKEN_MAX_MODULES; mi++) {
		if (W.waiters[mi].started)
			pthread_detach(W.waiters[mi].thread);
		W.waiters[mi].started = false;
	}
	/* Under the lock: a waiter or token_watch_recheck may be poking. */
	pthread_mutex_lock(&W.lock);
	pipes_close();
	pthread_mutex_unlock(&W.lock);
	W.running = false;
}

bool
token_watch_drain(void)
{
	char buf[64];
	bool any = false;

	if (W.pipe[0] < 0)
		return false;
	while (read(W.pipe[0], buf, sizeof buf) > 0)
		any = true;
	return any;
}

void
token_watch_recheck(void)
{
	pthread_mutex_lock(&W.lock);
	if (W.running && W.state.count > 0) {
		W.force = true;
		poke();
	}
	pthread_mutex_unlock(&W.lock);
}

size_t
token_watch_state(struct token_watch *out)
{
	size_t n;

	pthread_mutex_lock(&W.lock);
	if (out != NULL)
		*out = W.state;
	n = W.state.count;
	pthread_mutex_unlock(&W.lock);
	return n;
}

const char *
token_status_text(char *buf, size_t len)
{
	struct token_watch st;

	if (!W.running) {
		snprintf(buf, len, "%s", _("no reader configured"));
		return buf;
	}
	token_watch_state(&st);
	if (st.count == 0) {
		snprintf(buf, len, "%s", _("no UKey"));
	} else if (st.count == 1) {
		const char *vendor = token_vendor_name(st.tokens[0].vendor);

		if (vendor != NULL)
			snprintf(buf, len, _("UKey of %s"), vendor);
		else
			snprintf(buf, len, "%s", _("UKey inserted"));
	} else {
		snprintf(buf, len, _("%zu UKeys"), st.count);
	}
	return buf;
}
