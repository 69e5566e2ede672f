/* log.h: how the agent's modules report what they skip and why. Modules never print;
 * they call log_msg() on the logger they are given, and the program decides where lines
 * go (stderr in the daemon, a buffer in the tests). */
#ifndef CNI_NODE_LOG_H
#define CNI_NODE_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

struct logger {
	void (*fn)(void *data, enum log_level level, const char *msg);
	void *data;
	enum log_level max; /* lines above this level are dropped */
};

void log_msg(const struct logger *l, enum log_level level, const char *fmt, ...)
	__attribute__((__format__(printf, 3, 4)));

#endif
