/*
 * validate_expect.h - EXPECT() for the validator unit tests: a failing
 * check names the function and its input.
 */
#ifndef CAKIOSK_VALIDATE_EXPECT_H
#define CAKIOSK_VALIDATE_EXPECT_H

/* Name the input in the failure report; a bare "3 != 6" says nothing. */
#define EXPECT(fn, s, want)                                                              \
	do {                                                                             \
		enum valid got_ = fn(s);                                                 \
		if (got_ != (want))                                                      \
			print_error("%s(\"%s\") = %d, want %s\n", #fn, (s), (int)got_,   \
				    #want);                                              \
		assert_int_equal(got_, (want));                                          \
	} while (0)

#endif
