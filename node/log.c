/* log.c: format a line and hand it to the logger's sink. */
#include "log.h"

#include <stdio.h>

void log_msg(const struct logger *l, enum log_level level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!l || !l->fn || level > l->max)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	l->fn(l->data, level, buf);
}
