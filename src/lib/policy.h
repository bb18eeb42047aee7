/*
 * policy.h: the policy language of controlled promotion: what gates a
 * promotion to a target must pass (policy.c parses and prints it,
 * policy_gates.c checks the gates against the store).
 *
 * A policy is a list of gates, one per line or separated by ';':
 *	metrics.KEY OP NUMBER     the source run's latest value of KEY
 *	metrics.KEY OP current    ... compared with the current holder's
 *	input-context CONTEXT     the source run used a data set so
 *	approvals N               an approved request with N approvers
 * OP is one of < <= > >= == !=. Parsing is strict: anything else is
 * refused with a message naming the line, so that a stored policy always
 * means what its canonical text (policy_format()) says.
 */
#ifndef CAIRN_LIB_POLICY_H
#define CAIRN_LIB_POLICY_H

#include <stddef.h>

#include "util/buf.h"

#define POLICY_MAX_TEXT 65536
#define POLICY_MAX_GATES 64
#define POLICY_MAX_APPROVALS 32

enum gate_kind { GATE_METRIC, GATE_CURRENT, GATE_INPUT, GATE_APPROVALS };
enum gate_op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE };

struct gate {
	enum gate_kind kind;
	enum gate_op op;
	char *key;      /* metric key, or input context */
	double value;   /* GATE_METRIC */
	unsigned count; /* GATE_APPROVALS */
};

struct policy {
	struct gate *gates;
	size_t n, alloc;
	unsigned approvals; /* 0: none asked for */
};
#define POLICY_INIT { NULL, 0, 0, 0 }

/* Parse len bytes of text; CAIRN_EINVALID naming the bad line. */
int policy_parse(struct policy *out, const char *text, size_t len);
void policy_release(struct policy *p);
/* The canonical text: one gate per line, in the order given. */
void policy_format(struct buf *out, const struct policy *p);
void policy_gate_format(struct buf *out, const struct gate *g);
/* "<", "<=", ... */
const char *policy_op_name(enum gate_op op);
/* 1 if a op b holds. */
int policy_compare(double a, enum gate_op op, double b);

#endif
