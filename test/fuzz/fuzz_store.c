/* fuzz_store: host-local's store read back from whatever is on disk: reservation files
 * (any name, any content), last_reserved_ip.<n>, lock, and the index (.idx/ entries and
 * boot marker), in a fresh directory per input (on /dev/shm).
 * Input: a mode byte, then records separated by NUL bytes, "<name>=<content>"; names are
 * single path components, or ".idx/<component>". Mode bit 0 makes the index look trusted
 * (the directory and .idx get one timestamp, the boot marker exists), as if we had
 * written it; the other bits pick the step checked (lookups, release, reserve, GC, GC
 * then reopen): one step per input keeps each run to a few hundred syscalls.
 * Properties, against an oracle that reads the directory itself (the reference's walk):
 *   - lookups (find/get by id, for the attachments the files name) give exactly the
 *     files that hold them; with a trusted (planted) index never a file that does not;
 *   - release_by_id leaves none of the attachment's current-format files;
 *   - a reservation of a free address is found right after, and only then;
 *   - GC keeps exactly the files of the valid attachment (and its legacy ones) and the
 *     files that are not reservations;
 *   - reopening (now with our own index) answers as the oracle does;
 *   - last_reserved_ip.<n> yields an address only when its content is one. */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

#define MAX_FILES 24
#define MAX_PAIRS 4

static char root[64], dir[96];

struct pair {
	char id[64], ifname[32];
};

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void trim(const char *in, size_t len, char *out)
{
	while (len && is_space(in[len - 1]))
		len--;
	while (len && is_space(*in)) {
		in++;
		len--;
	}
	memcpy(out, in, len);
	out[len] = '\0';
}

static bool name_ok(const char *n)
{
	const char *c = strncmp(n, ".idx/", 5) == 0 ? n + 5 : n;

	return *c && strlen(c) < 64 && !strchr(c, '/') && strcmp(c, ".") && strcmp(c, "..") &&
	       strcmp(n, ".idx");
}

/* Write the records; returns the number of files made. */
static int plant(char *s, size_t len)
{
	int n = 0;

	for (char *p = s; p < s + len && n < MAX_FILES; p += strlen(p) + 1) {
		char *eq = strchr(p, '='), path[256];
		int fd;

		if (!eq)
			continue;
		*eq = '\0';
		if (!name_ok(p))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, p);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			continue;
		if (write(fd, eq + 1, strlen(eq + 1)) < 0)
			abort();
		close(fd);
		n++;
	}
	return n;
}

/* Make the planted index look like ours: boot marker, one timestamp on both dirs. */
static void trust_index(void)
{
	struct timespec t[2] = {{.tv_sec = 1700000000, .tv_nsec = 123456789}, {.tv_sec = 1700000000, .tv_nsec = 123456789}};
	char path[256], boot[64] = "unknown";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	if (f) {
		if (fgets(boot, sizeof(boot), f))
			boot[strcspn(boot, "\n")] = '\0';
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/.idx/.boot-%s", dir, boot);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	snprintf(path, sizeof(path), "%s/.idx", dir);
	(void)utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW);
	(void)utimensat(AT_FDCWD, dir, t, AT_SYMLINK_NOFOLLOW);
}

/* The oracle: the IP-named regular files whose trimmed content is `want`, as a bitmask
 * over the sorted directory listing. */
struct listing {
	char name[MAX_FILES * 2][64];
	char content[MAX_FILES * 2][4096];
	bool valid[MAX_FILES * 2]; /* a candidate: readable regular file of < 4096 bytes, not ours */
	bool ip[MAX_FILES * 2];	   /* and named after an IP: a reservation the reference reports */
	int n;
};

static void list_dir(struct listing *l)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	l->n = 0;
	while (d && (de = readdir(d)) && l->n < MAX_FILES * 2) {
		struct ipnet_addr a;
		char path[256], buf[4097];
		struct stat st;
		ssize_t k;
		int fd;

		/* The reference's bookkeeping, our hidden files and names an index line cannot
		 * hold are never reservations. */
		if (de->d_name[0] == '.' || de->d_name[0] == '#' || strchr(de->d_name, '\n') || strlen(de->d_name) >= 64 ||
		    !strcmp(de->d_name, "lock") || !strncmp(de->d_name, "last_reserved_ip.", 17))
			continue;
		snprintf(l->name[l->n], 64, "%s", de->d_name);
		l->valid[l->n] = false;
		l->ip[l->n] = ipnet_addr_parse(de->d_name, &a) == 0;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (k = read(fd, buf, sizeof(buf))) >= 0 &&
		    k < 4096) {
			trim(buf, (size_t)k, l->content[l->n]);
			l->valid[l->n] = true;
		}
		if (fd >= 0)
			close(fd);
		l->n++;
	}
	if (d)
		closedir(d);
}

static void want_of(const struct pair *p, bool legacy, char *out)
{
	char id[64];

	trim(p->id, strlen(p->id), id);
	if (legacy)
		snprintf(out, 4096, "%s", id);
	else
		snprintf(out, 4096, "%s\r\n%s", id, p->ifname);
}

/* Does the oracle say `ip` (a name) holds the pair (current format, or legacy)? */
static int holds(const struct listing *l, const char *name, const struct pair *p, bool legacy)
{
	char want[4096];

	want_of(p, legacy, want);
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return l->valid[i] && !strcmp(l->content[i], want);
	return 0;
}

/* Files holding the pair; only_ip: only those named after an IP (what get_by_id reports;
 * find_by_id and release_by_id, like the reference's, look at every name). */
static size_t count_holding(const struct listing *l, const struct pair *p, bool legacy, bool only_ip)
{
	char want[4096];
	size_t n = 0;

	want_of(p, legacy, want);
	for (int i = 0; i < l->n; i++)
		n += l->valid[i] && (l->ip[i] || !only_ip) && !strcmp(l->content[i], want);
	return n;
}

/* get_by_id against the oracle l (the directory as it is): exact, or (trusted planted
 * index) a subset. */
static void check_get(struct store *s, const struct listing *l, const struct pair *p, bool exact, const char *when)
{
	struct ipnet_addr *ips = NULL;
	size_t n = 0, want;
	int r;

	r = store_get_by_id(s, p->id, p->ifname, &ips, &n);
	if (r < 0) {
		FUZZ_CHECK(r == -ENAMETOOLONG, "%s: get_by_id(%s) failed: %d", when, p->id, r);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char name[IPNET_STRLEN];
		bool found = false;

		/* Our names are canonical; the oracle's are as written: compare as addresses. */
		for (int k = 0; k < l->n && !found; k++) {
			struct ipnet_addr a;

			found = ipnet_addr_parse(l->name[k], &a) == 0 && ipnet_addr_eq(&a, &ips[i]) &&
				(holds(l, l->name[k], p, false) || holds(l, l->name[k], p, true));
		}
		FUZZ_CHECK(found, "%s: get_by_id(%s) returned %s, which does not hold it", when, p->id,
			   ipnet_addr_fmt(&ips[i], name));
	}
	want = count_holding(l, p, false, true) + count_holding(l, p, true, true);
	if (exact) {
		FUZZ_CHECK(n == want, "%s: get_by_id(%s, %s) found %zu files, the directory has %zu", when, p->id, p->ifname,
			   n, want);
		FUZZ_CHECK(store_find_by_id(s, p->id, p->ifname) ==
				   (count_holding(l, p, false, false) + count_holding(l, p, true, false) > 0),
			   "%s: find_by_id(%s) disagrees with the directory", when, p->id);
	}
	free(ips);
}

/* The attachments the planted files name (first MAX_PAIRS), plus a new one: from every
 * regular file, reservation or not, so that lookups are also asked about what a file the
 * store must ignore holds. */
static int pairs_of(struct pair *v)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)) && n < MAX_PAIRS - 1) {
		char path[256], buf[4096], content[4096];
		const char *sep;
		ssize_t k;
		int fd;

		if (de->d_type != DT_REG)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		k = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (k <= 0)
			continue;
		trim(buf, (size_t)k, content);
		sep = strstr(content, "\r\n");
		snprintf(v[n].id, sizeof(v[n].id), "%.*s", sep ? (int)(sep - content) : (int)strlen(content), content);
		snprintf(v[n].ifname, sizeof(v[n].ifname), "%s", sep ? sep + 2 : "eth0");
		if (v[n].id[0] && !strchr(v[n].ifname, '\r') && !strchr(v[n].ifname, '\n'))
			n++;
	}
	if (d)
		closedir(d);
	snprintf(v[n].id, sizeof(v[n].id), "fuzz-new");
	snprintf(v[n].ifname, sizeof(v[n].ifname), "eth0");
	return n + 1;
}

/* Empty a directory (one level, plus .idx), faster than nftw for a handful of files. */
static void empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno == EISDIR) {
			char sub[256];

			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			empty_dir(sub);
			(void)unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
		}
	}
	if (d)
		closedir(d);
}

enum step { STEP_LOOK, STEP_RELEASE, STEP_RESERVE, STEP_GC, STEP_REOPEN, _STEP_MAX };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool trusted;
	enum step step;
	struct store_attachment keep;
	struct pair pairs[MAX_PAIRS];
	struct ipnet_addr a, last;
	struct store *s = NULL;
	static struct listing l; /* 200 KB: not on the stack of every run */
	char *in, path[256];
	int n_pairs, r;

	if (size < 1)
		return 0;
	trusted = data[0] & 1;
	step = (enum step)((data[0] >> 1) % _STEP_MAX);
	empty_dir(dir);
	snprintf(path, sizeof(path), "%s/.idx", dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		abort();
	in = malloc(size);
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	plant(in, size - 1);
	free(in);
	if (trusted)
		trust_index();

	n_pairs = pairs_of(pairs);
	r = store_open(root, "net", 1000, &s, NULL);
	FUZZ_CHECK(r == 0, "store_open: %d", r);
	switch (step) {
	case STEP_LOOK:
		list_dir(&l);
		for (int i = 0; i < n_pairs; i++)
			check_get(s, &l, &pairs[i], !trusted, "first look");
		for (unsigned id = 0; id < 2; id++)
			if (store_last_reserved(s, id, &last) == 1) {
				char buf[IPNET_STRLEN];

				FUZZ_CHECK(ipnet_addr_parse(ipnet_addr_fmt(&last, buf), &a) == 0, "last_reserved_ip.%u", id);
			}
		break;
	case STEP_RELEASE:
		/* None of the attachment's current-format files stays. */
		r = store_release_by_id(s, pairs[0].id, pairs[0].ifname);
		FUZZ_CHECK(r >= 0 || r == -ENAMETOOLONG, "release_by_id: %d", r);
		list_dir(&l);
		if (!trusted)
			FUZZ_CHECK(count_holding(&l, &pairs[0], false, false) == 0, "release_by_id(%s) left files",
				   pairs[0].id);
		check_get(s, &l, &pairs[0], !trusted, "after release");
		break;
	case STEP_RESERVE:
		/* Found right after, exactly when it was free. */
		ipnet_addr_parse("10.99.0.1", &a);
		r = store_reserve(s, "fuzz-new", "eth0", &a, 0);
		FUZZ_CHECK(r >= 0, "reserve: %d", r);
		list_dir(&l);
		if (r == 1)
			FUZZ_CHECK(holds(&l, "10.99.0.1", &pairs[n_pairs - 1], false), "reserved 10.99.0.1 holds something else");
		check_get(s, &l, &pairs[n_pairs - 1], !trusted, "after reserve");
		break;
	case STEP_GC:
	case STEP_REOPEN:
		/* GC keeping only the second attachment (or nothing): exactly its files stay. */
		keep = (struct store_attachment){.id = pairs[n_pairs > 1 ? 1 : 0].id,
						 .ifname = pairs[n_pairs > 1 ? 1 : 0].ifname};
		r = store_gc(s, &keep, n_pairs > 1 ? 1 : 0);
		FUZZ_CHECK(r >= 0, "gc: %d", r);
		list_dir(&l);
		for (int i = 0; i < l.n; i++) {
			bool kept = n_pairs > 1 &&
				    (holds(&l, l.name[i], &pairs[1], false) || holds(&l, l.name[i], &pairs[1], true));

			FUZZ_CHECK(!l.valid[i] || !l.ip[i] || kept, "GC left %s (\"%s\")", l.name[i], l.content[i]);
		}
		if (step == STEP_GC)
			break;
		/* GC rebuilt the index: reopened, it is ours and answers exactly. */
		store_close(s);
		r = store_open(root, "net", 1000, &s, NULL);
		FUZZ_CHECK(r == 0, "reopen: %d", r);
		list_dir(&l);
		for (int i = 0; i < n_pairs; i++)
			check_get(s, &l, &pairs[i], true, "reopened");
		break;
	default:
		break;
	}
	store_close(s);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "/dev/shm/cni-fuzz-store-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s/net", root);
	(void)nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(root, 0755) < 0 || mkdir(dir, 0755) < 0)
		abort();
	return 0;
}
