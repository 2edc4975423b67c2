/*
 * test_text.c - unit tests for src/text.c: width, fit, truncate, wrap, sanitize.
 *
 * Every expectation is an exact string or number, so a change in how text is
 * measured or cleaned shows up here before it shows up as a garbled screen.
 * Byte escapes are split ("\xe4\xb8" "\xad") where a hex digit follows, so
 * the compiler does not read it as part of the escape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define FFFD "\xef\xbf\xbd"

/* ---- helpers -------------------------------------------------------------- */

static void
check_sanitize(const char *in, size_t len, size_t max, unsigned flags, const char *want)
{
	char *got = text_sanitize(in, len, max, flags);

	assert_non_null(got);
	assert_string_equal(got, want);
	assert_true(strlen(got) <= max);
	free(got);
}

/* Sanitize a string literal with room to spare. */
#define SAN(lit, want) check_sanitize((lit), sizeof(lit) - 1, 1024, 0, (want))

static void
check_truncate(const char *s, int cols, const char *want)
{
	char *got = text_truncate(s, cols);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/*
 * Wrap s and compare every line's text with want[]; each line's width must
 * also be what text_width() says about its bytes.
 */
static void
check_wrap(const char *s, int cols, const char *const *want, size_t nwant)
{
	struct text_line lines[32];
	size_t n, i;

	assert_true(nwant <= 32);
	n = text_wrap(s, cols, lines, 32);
	assert_int_equal(n, nwant);
	for (i = 0; i < n; i++) {
		char *line = strndup(s + lines[i].off, lines[i].len);

		assert_non_null(line);
		assert_string_equal(line, want[i]);
		assert_int_equal(lines[i].width, text_width(line));
		free(line);
	}
}

#define WRAP(s, cols, ...)                                                               \
	do {                                                                             \
		static const char *const want_[] = {__VA_ARGS__};                        \
		check_wrap((s), (cols), want_, sizeof(want_) / sizeof(want_[0]));        \
	} while (0)

/* ---- text_width ------------------------------------------------------------ */

static void
test_width_ascii(void **state)
{
	(void)state;
	assert_int_equal(text_width("hello"), 5);
	assert_int_equal(text_width(""), 0);
	assert_int_equal(text_width("a b"), 3);
	assert_int_equal(text_width(NULL), 0);
}

static void
test_width_cjk(void **state)
{
	(void)state;
	assert_int_equal(text_width("中文"), 4);
	assert_int_equal(text_width("证书申请"), 8);
	assert_int_equal(text_width("ＡＢ"), 4);         /* fullwidth Latin */
	assert_int_equal(text_width("\xe3\x80\x80"), 2); /* U+3000 ideographic space */
}

static void
test_width_mixed(void **state)
{
	(void)state;
	assert_int_equal(text_width("a中b文"), 6);
	assert_int_equal(text_width("PIN 码"), 6);
	/* e + U+0301 combining acute: the mark takes no column. */
	assert_int_equal(text_width("e\xcc\x81"), 1);
	/* Non-printables count one. */
	assert_int_equal(text_width("a\tb"), 3);
}

static void
test_width_invalid(void **state)
{
	(void)state;
	assert_int_equal(text_width("\xff"), 1);
	assert_int_equal(text_width("a\xff"
				    "b"),
			 3);
	/* A CJK character cut short: each leftover byte is one U+FFFD. */
	assert_int_equal(text_width("\xe4\xb8"), 2);
	/* Overlong NUL (C0 80) is two bad bytes, not a character. */
	assert_int_equal(text_width("a\xc0\x80"
				    "b"),
			 4);
	/* glibc decodes 5-byte forms; we must not: five bad bytes. */
	assert_int_equal(text_width("\xf8\x88\x80\x80\x80"), 5);
	/* Above U+10FFFF (F4 90 80 80): four bad bytes. */
	assert_int_equal(text_width("\xf4\x90\x80\x80"), 4);
	/* Surrogate U+D800 encoded: three bad bytes. */
	assert_int_equal(text_width("\xed\xa0\x80"), 3);
}

/* ---- text_fit -------------------------------------------------------------- */

static void
test_fit_cjk_never_split(void **state)
{
	int w = -1;

	(void)state;
	assert_int_equal(text_fit("中文", 3, &w), 3);
	assert_int_equal(w, 2);
	assert_int_equal(text_fit("中文", 4, &w), 6);
	assert_int_equal(w, 4);
	assert_int_equal(text_fit("中文", 1, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(text_fit("a中", 2, &w), 1);
	assert_int_equal(w, 1);
	assert_int_equal(text_fit("中文", 3, NULL), 3);
}

static void
test_fit_edges(void **state)
{
	int w = -1;

	(void)state;
	assert_int_equal(text_fit("hello", 0, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(text_fit("hello", -5, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(text_fit("hello", 100, &w), 5);
	assert_int_equal(w, 5);
	/* A combining mark stays with the character it follows. */
	assert_int_equal(text_fit("e\xcc\x81x", 1, &w), 3);
	assert_int_equal(w, 1);
	/* Half a character at the end is one bad byte per column. */
	assert_int_equal(text_fit("a\xe4\xb8", 2, &w), 2);
	assert_int_equal(w, 2);
}

/* ---- text_truncate --------------------------------------------------------- */

static void
test_truncate_ascii(void **state)
{
	(void)state;
	check_truncate("hello world", 8, "hello w…");
	check_truncate("hello world", 1, "…");
	check_truncate("ab", 1, "…");
}

static void
test_truncate_cjk(void **state)
{
	(void)state;
	check_truncate("中文字符", 5, "中文…");
	/* 6 columns: "中文" + "…" is 5, a third CJK char would make 7. */
	check_truncate("中文字符", 6, "中文…");
	check_truncate("中文字符", 4, "中…");
	check_truncate("中文字符", 2, "…");
	check_truncate("a中文", 3, "a…");
}

static void
test_truncate_exact_fit(void **state)
{
	(void)state;
	check_truncate("hello", 5, "hello");
	check_truncate("hello", 6, "hello");
	check_truncate("中文", 4, "中文");
	check_truncate("", 3, "");
	check_truncate("hello", 0, "");
	check_truncate("hello", -1, "");
}

/* ---- text_wrap ------------------------------------------------------------- */

static void
test_wrap_english(void **state)
{
	(void)state;
	WRAP("the quick brown fox jumps over", 10, "the quick", "brown fox",
	     "jumps over");
	WRAP("fits", 10, "fits");
}

static void
test_wrap_spaces_at_break(void **state)
{
	struct text_line l[4];

	(void)state;
	/* Spaces at the break belong to neither line. */
	WRAP("aaaaa   bbb", 5, "aaaaa", "bbb");
	assert_int_equal(text_wrap("aaaaa   bbb", 5, l, 4), 2);
	assert_int_equal(l[1].off, 8);
	/* Inner spaces count; a trailing space does not make a line. */
	WRAP("ab  c", 5, "ab  c");
	WRAP("x ", 4, "x");
	/* Indentation that would push the first word off the line is dropped. */
	WRAP("      x", 3, "x");
	WRAP("  ab", 3, "  a", "b");
}

static void
test_wrap_long_word(void **state)
{
	(void)state;
	WRAP("abcdefghijkl", 5, "abcde", "fghij", "kl");
	WRAP("hi abcdefghij", 5, "hi", "abcde", "fghij");
}

static void
test_wrap_cjk(void **state)
{
	(void)state;
	WRAP("中文字符测试", 4, "中文", "字符", "测试");
	/* An odd width leaves the last column empty rather than split a char. */
	WRAP("中文字符测试", 5, "中文", "字符", "测试");
}

static void
test_wrap_kinsoku(void **state)
{
	(void)state;
	/* Closing punctuation never starts a line: its character goes along. */
	WRAP("不能在此修改。", 12, "不能在此修", "改。");
	WRAP("认证，请稍候", 4, "认", "证，", "请稍", "候");
	/* Opening punctuation never ends a line. */
	WRAP("请看（说明）", 6, "请看", "（说", "明）");
	WRAP("中文（说明）", 8, "中文（说", "明）");
	/* After a space, a break is a break whatever follows. */
	WRAP("ab 。c", 3, "ab", "。c");
	/* Nowhere to break: the character still goes where it overflows. */
	WRAP("。。。。", 4, "。。", "。。");
}

static void
test_wrap_mixed(void **state)
{
	(void)state;
	/* Latin words stay whole; CJK may break on either side. */
	WRAP("hello中文world世界 ok", 8, "hello中", "文world", "世界 ok");
	/* The break after a CJK char is later than the space, so it wins. */
	WRAP("ab 中cd", 5, "ab 中", "cd");
	WRAP("x 中文", 4, "x 中", "文");
}

static void
test_wrap_newlines(void **state)
{
	(void)state;
	WRAP("a\n\nb", 10, "a", "", "b");
	WRAP("a\nb", 10, "a", "b");
	/* A final '\n' ends its line, it does not open another. */
	WRAP("a\n", 10, "a");
	WRAP("\n", 10, "");
	/* Trailing spaces before a '\n' do not spill onto an empty line. */
	WRAP("ab     \ncd", 5, "ab", "cd");
	/* Indentation after a hard break is kept. */
	WRAP("a\n  b c", 4, "a", "  b", "c");
	assert_int_equal(text_wrap("", 10, NULL, 0), 0);
}

static void
test_wrap_width1_wide(void **state)
{
	struct text_line l[4];

	(void)state;
	/* The wide char gets a line of its own, 2 columns, not split. */
	WRAP("a中b", 1, "a", "中", "b");
	assert_int_equal(text_wrap("a中b", 1, l, 4), 3);
	assert_int_equal(l[1].off, 1);
	assert_int_equal(l[1].len, 3);
	assert_int_equal(l[1].width, 2);
	/* cols < 1 is treated as 1. */
	WRAP("a中b", 0, "a", "中", "b");
	WRAP("a中b", -7, "a", "中", "b");
}

static void
test_wrap_count_beyond_max(void **state)
{
	struct text_line l[3];

	(void)state;
	memset(l, 0x5a, sizeof(l));
	/* All four lines are counted; only two are written. */
	assert_int_equal(text_wrap("a b c d", 1, l, 2), 4);
	assert_int_equal(l[0].off, 0);
	assert_int_equal(l[1].off, 2);
	assert_int_equal(l[2].width, 0x5a5a5a5a);
	assert_int_equal(text_wrap("a b c d", 1, NULL, 0), 4);
}

/* ---- text_sanitize --------------------------------------------------------- */

static void
test_sanitize_plain(void **state)
{
	(void)state;
	SAN("中文 ok é", "中文 ok é");
	SAN("", "");
	SAN("a\x7f"
	    "b",
	    "ab"); /* DEL */
	check_sanitize(NULL, 5, 10, 0, "");
}

static void
test_sanitize_csi(void **state)
{
	(void)state;
	SAN("\x1b[1;31mred\x1b[0m text", "red text");
	SAN("\x1b[38;5;196mx\x1b[m", "x");
	SAN("a\x1b[2Jb", "ab");
	/* A control byte ends a malformed CSI; what follows is text again. */
	SAN("a\x1b[31\x07m", "am");
}

static void
test_sanitize_osc(void **state)
{
	(void)state;
	SAN("a\x1b]0;evil title\x07"
	    "b",
	    "ab");
	SAN("a\x1b]2;evil title\x1b\\b", "ab");
	/* OSC 8 hyperlink, both halves. */
	SAN("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link");
	/* Another ESC cancels the string and is parsed itself. */
	SAN("a\x1b]0;t\x1b[31mb", "ab");
}

static void
test_sanitize_other_escapes(void **state)
{
	(void)state;
	SAN("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"); /* DCS (sixel) */
	SAN("a\x1b_apc\x1b\\b", "ab");         /* APC */
	SAN("a\x1b^pm\x1b\\b", "ab");          /* PM */
	SAN("a\x1bXsos\x1b\\b", "ab");         /* SOS */
	SAN("a\x1b"
	    "7b\x1b"
	    "8c",
	    "abc");                        /* DECSC / DECRC */
	SAN("a\x1b(0qqq\x1b(Bb", "aqqqb"); /* charset designation, whole */
	SAN("a\x1b"
	    "cb",
	    "ab"); /* RIS */
}

static void
test_sanitize_c1_8bit(void **state)
{
	(void)state;
	SAN("a\xc2\x9b"
	    "31mb",
	    "ab"); /* U+009B CSI */
	SAN("x\xc2\x9d"
	    "0;t\x07y",
	    "xy"); /* U+009D OSC */
	SAN("x\xc2\x90"
	    "q\xc2\x9cy",
	    "xy"); /* U+0090 DCS ... U+009C ST */
	SAN("a\xc2\x85"
	    "b",
	    "ab"); /* U+0085 NEL */
	SAN("a\xc2\x80"
	    "b\xc2\x9f",
	    "ab");
}

static void
test_sanitize_unterminated(void **state)
{
	(void)state;
	SAN("abc\x1b", "abc");
	SAN("abc\x1b[31", "abc");
	SAN("abc\x1b]0;title", "abc");
	SAN("abc\x1b]0;title\x1b", "abc");
	SAN("abc\x1bP", "abc");
	SAN("abc\x1b(", "abc");
	SAN("abc\xc2\x9b", "abc");
}

static void
test_sanitize_bidi(void **state)
{
	(void)state;
	SAN("abc\xe2\x80\xae"
	    "def",
	    "abcdef"); /* U+202E RLO */
	SAN("a\xe2\x80\xaa"
	    "b\xe2\x80\xac"
	    "c",
	    "abc"); /* U+202A, U+202C */
	SAN("a\xe2\x81\xa6"
	    "b\xe2\x81\xa9"
	    "c",
	    "abc"); /* U+2066, U+2069 */
	SAN("a\xe2\x80\x8e"
	    "b\xe2\x80\x8f"
	    "c",
	    "abc"); /* U+200E, U+200F */
	SAN("a\xd8\x9c"
	    "b",
	    "ab"); /* U+061C ALM */
	/* Neighbours of the ranges are ordinary text. */
	SAN("\xe2\x80\xa9\xe2\x81\xaa", "\xe2\x80\xa9\xe2\x81\xaa");
}

static void
test_sanitize_nul_inside(void **state)
{
	(void)state;
	check_sanitize("a\0b", 3, 16, 0, "ab");
	check_sanitize("\0\0\0", 3, 16, 0, "");
	/* len, not the NUL, says where the input ends. */
	check_sanitize("abcdef", 3, 16, 0, "abc");
}

static void
test_sanitize_invalid(void **state)
{
	(void)state;
	SAN("a\xff"
	    "b",
	    "a" FFFD "b");
	SAN("\xe4\xb8", FFFD FFFD);                   /* CJK cut short */
	SAN("\xc0\x80", FFFD FFFD);                   /* overlong NUL */
	SAN("\xed\xa0\x80", FFFD FFFD FFFD);          /* surrogate */
	SAN("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* > U+10FFFF */
	SAN("\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD);
	/* A raw 0x9B byte is not UTF-8: shown, not obeyed. */
	SAN("\x9b"
	    "31m",
	    FFFD "31m");
}

static void
test_sanitize_max_bytes(void **state)
{
	(void)state;
	/* "中" is 3 bytes: 2 + 3 > 4, so it goes whole. */
	check_sanitize("ab中文", 8, 4, 0, "ab");
	check_sanitize("ab中文", 8, 5, 0, "ab中");
	check_sanitize("ab中文", 8, 7, 0, "ab中");
	check_sanitize("ab中文", 8, 8, 0, "ab中文");
	check_sanitize("abc", 3, 0, 0, "");
	/* Cut, not skip: a later character that would fit is not taken. */
	check_sanitize("ab中c", 6, 4, 0, "ab");
	/* A replacement char counts its 3 output bytes. */
	check_sanitize("a\xff", 2, 3, 0, "a");
}

static void
test_sanitize_newlines(void **state)
{
	(void)state;
	check_sanitize("a\nb", 3, 16, 0, "ab");
	check_sanitize("a\nb", 3, 16, TEXT_KEEP_NEWLINES, "a\nb");
	check_sanitize("a\r\nb", 4, 16, TEXT_KEEP_NEWLINES, "a\nb");
	check_sanitize("a\r\nb", 4, 16, 0, "ab");
}

static void
test_sanitize_tab(void **state)
{
	(void)state;
	SAN("a\tb", "a b");
	check_sanitize("\t\t", 2, 16, TEXT_KEEP_NEWLINES, "  ");
	/* Other C0 controls go. */
	SAN("a\x01\x08\x0b\x0c\x1f"
	    "b",
	    "ab");
}

static void
test_is_clean(void **state)
{
	(void)state;
	assert_true(text_is_clean(""));
	assert_true(text_is_clean("plain ASCII"));
	assert_true(text_is_clean("中文 and \xEF\xBF\xBD (a real U+FFFD)"));
	assert_false(text_is_clean("colour \x1b[31m"));
	assert_false(text_is_clean("bell\a"));
	assert_false(text_is_clean("line\nbreak"));
	assert_false(text_is_clean("bad \xff byte"));
	assert_false(text_is_clean("cut \xe4\xb8"));
	assert_false(text_is_clean("C1 \xc2\x9b"));
	assert_false(text_is_clean("bidi \xe2\x80\xae"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_clean),
		cmocka_unit_test(test_width_ascii),
		cmocka_unit_test(test_width_cjk),
		cmocka_unit_test(test_width_mixed),
		cmocka_unit_test(test_width_invalid),
		cmocka_unit_test(test_fit_cjk_never_split),
		cmocka_unit_test(test_fit_edges),
		cmocka_unit_test(test_truncate_ascii),
		cmocka_unit_test(test_truncate_cjk),
		cmocka_unit_test(test_truncate_exact_fit),
		cmocka_unit_test(test_wrap_english),
		cmocka_unit_test(test_wrap_spaces_at_break),
		cmocka_unit_test(test_wrap_long_word),
		cmocka_unit_test(test_wrap_cjk),
		cmocka_unit_test(test_wrap_kinsoku),
		cmocka_unit_test(test_wrap_mixed),
		cmocka_unit_test(test_wrap_newlines),
		cmocka_unit_test(test_wrap_width1_wide),
		cmocka_unit_test(test_wrap_count_beyond_max),
		cmocka_unit_test(test_sanitize_plain),
		cmocka_unit_test(test_sanitize_csi),
		cmocka_unit_test(test_sanitize_osc),
		cmocka_unit_test(test_sanitize_other_escapes),
		cmocka_unit_test(test_sanitize_c1_8bit),
		cmocka_unit_test(test_sanitize_unterminated),
		cmocka_unit_test(test_sanitize_bidi),
		cmocka_unit_test(test_sanitize_nul_inside),
		cmocka_unit_test(test_sanitize_invalid),
		cmocka_unit_test(test_sanitize_max_bytes),
		cmocka_unit_test(test_sanitize_newlines),
		cmocka_unit_test(test_sanitize_tab),
	};

	/* Without a UTF-8 LC_CTYPE every expectation here is meaningless. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "test_text: setlocale(LC_ALL, \"C.UTF-8\") failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
