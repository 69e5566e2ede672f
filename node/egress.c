/* egress.c: interim: the nftables module (pkg/nft) is not merged yet. */
#include "egress.h"

#include <errno.h>
#include <stdlib.h>

struct egress {
	struct egress_opts o;
};

int egress_open(const struct egress_opts *o, struct egress **ret)
{
	struct egress *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->o = *o;
	*ret = e;
	return 0;
}

void egress_close(struct egress *e)
{
	free(e);
}

int egress_apply(struct egress *e, size_t *ret_writes)
{
	(void)e;
	*ret_writes = 0;
	return 0;
}

int egress_cleanup(struct egress *e)
{
	(void)e;
	return 0;
}
