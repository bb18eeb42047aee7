/*
 * net.h: the listening socket of cairn's two HTTP servers (`cairn server`
 * and `cairn serve`), bound before libmicrohttpd takes it over.
 */
#ifndef CAIRN_UTIL_NET_H
#define CAIRN_UTIL_NET_H

/*
 * Resolve host (an address or a name), bind the first of its addresses
 * that accepts port (0: any free port) and listen on it. *fd_out gets the
 * socket (non-blocking, close-on-exec, SO_REUSEADDR), *port_out the port
 * bound. CAIRN_EINVALID for a host that does not resolve; otherwise a
 * cairn error naming host:port ("[::1]:8080" for IPv6) and the system's
 * reason.
 */
int net_listen(int *fd_out, unsigned *port_out, const char *host,
	       unsigned port);

#endif
