/*
 * net.c: binding the listening socket of an HTTP server (net.h). Every
 * address host resolves to is tried in getaddrinfo()'s order; the error
 * reported is the last one's.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/error.h"
#include "util/net.h"
#include "util/banned.h"

int net_listen(int *fd_out, unsigned *port_out, const char *host,
	       unsigned port)
{
	struct addrinfo hints, *list, *a;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = -1, rc, saved = 0, one = 1;
	char service[16];
	const char *lb = strchr(host, ':') ? "[" : "";
	const char *rb = *lb ? "]" : "";

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", port);
	if ((rc = getaddrinfo(host, service, &hints, &list)) != 0)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_OS,
					"cannot resolve '%s': %s", host,
					gai_strerror(rc));
	for (a = list; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    a->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, a->ai_addr, a->ai_addrlen) && !listen(fd, 4096))
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(list);
	if (fd < 0) {
		errno = saved;
		return cairn_error_set_os("cannot listen on %s%s%s:%u", lb, host,
					  rb, port);
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		rc = cairn_error_set_os("cannot listen on %s%s%s:%u", lb, host,
					rb, port);
		close(fd);
		return rc;
	}
	if (ss.ss_family == AF_INET6)
		*port_out = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		*port_out = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	*fd_out = fd;
	return 0;
}
