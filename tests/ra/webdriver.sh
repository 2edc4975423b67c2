# webdriver.sh - drive a headless Chromium through chromedriver's W3C
# WebDriver HTTP API with curl (sourced after lib.sh, POSIX sh).
#
# wd_start runs chromedriver on a free loopback port and opens a session of
# a headless Chromium with a fresh profile; the wd_* helpers are the few
# WebDriver commands a test of a web page needs (go, find, type, click,
# text).  Every wait has a deadline.  wd_stop, called on exit, ends the
# session, chromedriver and the browser; after a failure the driver's log and,
# per wd_keep, a screenshot and the page source stay in $WD_LOGS.
#
# Needs: chromium and chromedriver (Debian: chromium, chromium-driver).

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
CHROMEDRIVER=$(command -v chromedriver || true)
WD_PID=
WD_URL=
WD_SESSION=
WD_EL=
# The W3C name of the member that carries an element reference.
WD_ELEMENT=element-6066-11e4-a52e-4f735466cecf
case $B in
/*) WD_LOGS=$B/test-logs/ra-browser ;;
*) WD_LOGS=$(pwd)/$B/test-logs/ra-browser ;;
esac

# wd_json_str TEXT: TEXT as a JSON string (quotes and backslashes escaped).
wd_json_str() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# wd_raw METHOD URL [JSON]: one WebDriver HTTP call; sets WD_STATUS, the
# answer in $T/wd.out.  POSTs always carry a JSON body, as WebDriver wants.
wd_raw() {
	set -- "$1" "$2" "${3:-}"
	[ "$1" = POST ] && [ -z "$3" ] && set -- "$1" "$2" '{}'
	if [ -n "$3" ]; then
		WD_STATUS=$(curl -s -o "$T/wd.out" -w '%{http_code}' --max-time "${WD_MAX:-30}" \
			-X "$1" -H 'Content-Type: application/json' --data-binary "$3" "$2")
	else
		WD_STATUS=$(curl -s -o "$T/wd.out" -w '%{http_code}' --max-time "${WD_MAX:-30}" \
			-X "$1" "$2")
	fi
	[ "$WD_STATUS" = 200 ]
}
# wd METHOD PATH [JSON]: a command of the session (PATH after /session/ID).
wd() { wd_raw "$1" "$WD_URL/session/$WD_SESSION$2" "${3:-}"; }
# wd_value [PATH]: a member of the last answer's value.
wd_value() { "$JGET" "value${1:+.$1}" <"$T/wd.out"; }

# wd_start: chromedriver and a browser session; 1 (with the reason on
# stdout as TAP comments) when either does not come up in time.
wd_start() {
	rm -rf "$WD_LOGS" # what an earlier failing run left
	mkdir -p "$T/wd"
	# Its own process group, so that wd_stop ends every browser process too.
	set -- "$CHROMEDRIVER" --port=0 --log-path="$T/wd/chromedriver.log"
	command -v setsid >/dev/null && set -- setsid "$@"
	# Made here: the child opens it only when it runs, after the first look.
	: >"$T/wd/chromedriver.out"
	"$@" >"$T/wd/chromedriver.out" 2>&1 &
	WD_PID=$!
	port=
	wd_end=$(($(date +%s) + 10))
	while [ -z "$port" ] && [ "$(date +%s)" -lt "$wd_end" ] && kill -0 "$WD_PID" 2>/dev/null; do
		port=$(sed -n 's/.*started successfully on port \([0-9][0-9]*\).*/\1/p' "$T/wd/chromedriver.out")
		[ -n "$port" ] || sleep 0.05
	done
	if [ -z "$port" ]; then
		echo "# chromedriver did not start:"; sed 's/^/#   /' "$T/wd/chromedriver.out"
		return 1
	fi
	WD_URL=http://127.0.0.1:$port
	# A phone-sized window; the test server's own CA is not the browser's.
	# Nothing but the test server is contacted: no updates, sync or pings,
	# and no name is looked up (the test server is an address).
	args="\"--headless=new\",\"--no-sandbox\",\"--disable-gpu\",\
\"--ignore-certificate-errors\",\"--disable-dev-shm-usage\",\"--no-first-run\",\
\"--no-default-browser-check\",\"--disable-background-networking\",\
\"--disable-component-update\",\"--disable-sync\",\"--disable-default-apps\",\
\"--disable-domain-reliability\",\"--no-pings\",\
\"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1\",\"--window-size=412,915\",\
\"--user-data-dir=$T/wd/profile\""
	caps="{\"capabilities\":{\"alwaysMatch\":{\"browserName\":\"chrome\",\
\"acceptInsecureCerts\":true,\"pageLoadStrategy\":\"normal\",\
\"timeouts\":{\"implicit\":0,\"pageLoad\":20000,\"script\":10000},\
\"goog:chromeOptions\":{\"binary\":$(wd_json_str "$CHROMIUM"),\"args\":[$args]}}}}"
	# Chromium takes a few seconds to start on a busy machine: ~30 s at most.
	if ! WD_MAX=30 wd_raw POST "$WD_URL/session" "$caps"; then
		echo "# no browser session (HTTP $WD_STATUS): $(head -c 600 "$T/wd.out" 2>/dev/null)"
		return 1
	fi
	WD_SESSION=$(wd_value sessionId)
	[ -n "$WD_SESSION" ]
}

# wd_stop: end the session (the browser quits), then chromedriver and
# whatever is left of its process group.
wd_stop() {
	if [ -n "$WD_SESSION" ]; then
		WD_MAX=10 wd DELETE ""
		WD_SESSION=
	fi
	if [ -n "$WD_PID" ]; then
		kill -TERM -- "-$WD_PID" 2>/dev/null || kill -TERM "$WD_PID" 2>/dev/null
		wd_end=$(($(date +%s) + 5))
		while kill -0 "$WD_PID" 2>/dev/null && [ "$(date +%s)" -lt "$wd_end" ]; do
			sleep 0.05
		done
		kill -KILL -- "-$WD_PID" 2>/dev/null
		wait "$WD_PID" 2>/dev/null
		WD_PID=
	fi
}

# wd_keep NAME: a screenshot and the source of the page shown now, kept in
# $WD_LOGS if the test fails.
wd_keep() {
	[ -n "$WD_SESSION" ] || return 0
	WD_MAX=10 wd GET /screenshot && wd_value | openssl base64 -d -A >"$T/wd/$1.png"
	WD_MAX=10 wd GET /source && wd_value >"$T/wd/$1.html"
}

# wd_save_logs: after a failure, copy what the browser side left to
# $WD_LOGS (with the server's log) and say where.
wd_save_logs() {
	[ -d "$T/wd" ] || return 0
	rm -rf "$WD_LOGS"
	mkdir -p "$WD_LOGS"
	cp -R "$T/wd/." "$WD_LOGS/" 2>/dev/null
	rm -rf "$WD_LOGS/profile"
	cp "$T/server.log" "$WD_LOGS/" 2>/dev/null
	echo "# browser logs, screenshots and page sources: $WD_LOGS"
}

# wd_go URL: open URL in the browser (returns once the page has loaded).
wd_go() { wd POST /url "{\"url\":$(wd_json_str "$1")}"; }

# wd_find CSS: sets WD_EL to the first element matching CSS; 1 if none.
wd_find() {
	WD_EL=
	wd POST /element "{\"using\":\"css selector\",\"value\":$(wd_json_str "$1")}" || return 1
	WD_EL=$(wd_value "$WD_ELEMENT")
	[ -n "$WD_EL" ]
}

# wd_wait CSS [SECONDS]: poll until an element matches CSS (deadline, 20 s
# by default); sets WD_EL, 1 on timeout.
wd_wait() {
	wd_end=$(($(date +%s) + ${2:-20}))
	while :; do
		wd_find "$1" && return 0
		[ "$(date +%s)" -lt "$wd_end" ] || return 1
		sleep 0.1
	done
}

# wd_text CSS: the text the browser renders for the element (empty if none).
wd_text() {
	wd_find "$1" && wd GET "/element/$WD_EL/text" && wd_value
}

# wd_type CSS TEXT: type TEXT into the element; for <input type=file> TEXT
# is the absolute path of the file to choose.
wd_type() {
	wd_find "$1" && wd POST "/element/$WD_EL/value" "{\"text\":$(wd_json_str "$2")}"
}

# wd_click CSS: click the element.
wd_click() { wd_find "$1" && wd POST "/element/$WD_EL/click"; }

# On exit: keep the evidence of a failure, stop the browser, then what
# lib.sh cleans up (the server, the temporary directory).
wd_cleanup() {
	rc=$?
	if [ "$rc" -ne 0 ] || [ "$failures" -gt 0 ]; then
		wd_keep at-exit
		wd_save_logs
	fi
	wd_stop
	ra_cleanup
}
trap wd_cleanup EXIT
