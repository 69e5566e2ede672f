/* test_sha512.c: SHA-512 against the FIPS 180-4 examples (lengths around the padding
 * boundaries included), and the reference plugins' chain names built from it. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "nfrules.h"
#include "sha512.h"

static const struct {
	const char *msg;
	size_t repeat; /* msg this many times (0: once) */
	const char *hex;
} vectors[] = {
	{"", 0, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
	{"abc", 0, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
	/* 112 bytes: the length no longer fits the block, padding takes a second one */
	{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	 0, "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
	{"a", 1000000, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"},
};

START_TEST(fips_vectors)
{
	size_t n = vectors[_i].repeat ? vectors[_i].repeat : 1, len = strlen(vectors[_i].msg);
	char *buf = malloc(n * len + 1), hex[129];

	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < n; i++)
		memcpy(buf + i * len, vectors[_i].msg, len);
	sha512_hex(buf, n * len, hex);
	ck_assert_str_eq(hex, vectors[_i].hex);
	free(buf);
}
END_TEST

/* Names the Debian reference plugins (1.1.1) gave network "refnet" and this container. */
START_TEST(reference_chain_names)
{
	static const char cid[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char name[29];

	nfrules_foreign_name(name, "CNI-", "refnet", cid);
	ck_assert_str_eq(name, "CNI-5ae86c9140a18f66c3e60591");
	nfrules_foreign_name(name, "CNI-DN-", "refnet", cid);
	ck_assert_str_eq(name, "CNI-DN-5ae86c9140a18f66c3e60");
}
END_TEST

Suite *sha512_suite(void)
{
	Suite *s = suite_create("sha512");
	TCase *tc = tcase_create("sha512");

	tcase_add_loop_test(tc, fips_vectors, 0, sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(tc, reference_chain_names);
	suite_add_tcase(s, tc);
	return s;
}
