/*
 * policy.c: parsing and printing promotion policies (policy.h).
 *
 * The input is untrusted (a command line, a REST body), so the parser is
 * a plain scan over the bytes it is given, with hard limits: at most
 * POLICY_MAX_TEXT bytes and POLICY_MAX_GATES gates, no NUL or other
 * control bytes but tab, CR and LF; a metric key follows MLflow's rules
 * (cairn_validate) without whitespace; numbers are finite decimals
 * (strtod on a token of [0-9+-.eE] only, so "nan", "inf" and hex floats
 * are refused); "approvals" appears at most once, 1 to
 * POLICY_MAX_APPROVALS. policy_format() prints numbers in the shortest
 * form that reads back to the same double, so parse(format(p)) == p (the
 * fuzz target tests/fuzz/fuzz_policy.c checks this).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "lib/policy.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

static const char *const op_names[] = { "<", "<=", ">", ">=", "==", "!=" };

const char *policy_op_name(enum gate_op op)
{
	return op_names[op];
}

int policy_compare(double a, enum gate_op op, double b)
{
	switch (op) {
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	}
	return 0;
}

void policy_release(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->gates[i].key);
	free(p->gates);
	memset(p, 0, sizeof(*p));
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A line's bytes [s, e) without the blanks around them. */
struct span {
	const char *s, *e;
};

static void trim(struct span *t)
{
	while (t->s < t->e && is_space(*t->s))
		t->s++;
	while (t->e > t->s && is_space(t->e[-1]))
		t->e--;
}

static int bad(unsigned line, const struct span *t, const char *why)
{
	int n = (int)(t->e - t->s > 80 ? 80 : t->e - t->s);

	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"policy line %u '%.*s': %s", line, n, t->s, why);
}

static int word_is(const struct span *t, const char *w, const char **rest)
{
	size_t n = strlen(w);

	if ((size_t)(t->e - t->s) <= n || memcmp(t->s, w, n) || !is_space(t->s[n]))
		return 0;
	*rest = t->s + n;
	return 1;
}

static struct gate *add_gate(struct policy *p)
{
	struct gate *g;

	ALLOC_GROW(p->gates, p->n + 1, p->alloc);
	g = &p->gates[p->n++];
	memset(g, 0, sizeof(*g));
	return g;
}

/* A name without blanks: [A-Za-z0-9_.-], 1 to 255 bytes. */
static int plain_name(const char *s, const char *e)
{
	const char *p;

	if (s == e || e - s > 255)
		return 0;
	for (p = s; p < e; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return 0;
	return 1;
}

static int parse_number(double *out, const char *s, const char *e)
{
	char tmp[64], *end;
	const char *p;

	if (s == e || e - s >= (long)sizeof(tmp))
		return -1;
	for (p = s; p < e; p++)
		if (!isdigit((unsigned char)*p) && *p != '+' && *p != '-' &&
		    *p != '.' && *p != 'e' && *p != 'E')
			return -1;
	memcpy(tmp, s, (size_t)(e - s));
	tmp[e - s] = '\0';
	*out = strtod(tmp, &end);
	if (*end || end == tmp || !isfinite(*out))
		return -1;
	return 0;
}

static int parse_metric(struct policy *p, unsigned line, const struct span *t)
{
	const char *k = t->s + 8, *ke = k, *o, *v;
	enum gate_op op;
	struct gate *g;
	char *key;
	double num = 0;
	int i, is_current;

	while (ke < t->e && !is_space(*ke) && *ke != '<' && *ke != '>' &&
	       *ke != '=' && *ke != '!')
		ke++;
	if (ke == k)
		return bad(line, t, "a metric gate names a key: metrics.KEY OP VALUE");
	o = ke;
	while (o < t->e && is_space(*o))
		o++;
	for (i = 5; i >= 0; i--) {
		size_t n = strlen(op_names[i]);

		if ((size_t)(t->e - o) >= n && !memcmp(o, op_names[i], n))
			break; /* two-character operators are tried first */
	}
	if (i < 0)
		return bad(line, t, "expected a comparison: < <= > >= == !=");
	op = (enum gate_op)i;
	v = o + strlen(op_names[i]);
	while (v < t->e && is_space(*v))
		v++;
	is_current = (size_t)(t->e - v) == 7 && !memcmp(v, "current", 7);
	if (!is_current && parse_number(&num, v, t->e) < 0)
		return bad(line, t, "the value is a finite decimal number or "
			   "'current'");
	key = xstrndup(k, (size_t)(ke - k));
	if (cairn_validate("metric", key, NULL) < 0) {
		free(key);
		return bad(line, t, cairn_error_last()->message);
	}
	g = add_gate(p);
	g->kind = is_current ? GATE_CURRENT : GATE_METRIC;
	g->op = op;
	g->key = key;
	g->value = num;
	return 0;
}

static int parse_line(struct policy *p, unsigned line, struct span *t)
{
	const char *rest;
	struct span arg;
	struct gate *g;

	if (t->e - t->s > 8 && !memcmp(t->s, "metrics.", 8))
		return parse_metric(p, line, t);
	if (word_is(t, "input-context", &rest)) {
		arg.s = rest;
		arg.e = t->e;
		trim(&arg);
		if (!plain_name(arg.s, arg.e))
			return bad(line, t, "a context is 1 to 255 of [A-Za-z0-9_.-]");
		g = add_gate(p);
		g->kind = GATE_INPUT;
		g->key = xstrndup(arg.s, (size_t)(arg.e - arg.s));
		return 0;
	}
	if (word_is(t, "approvals", &rest)) {
		unsigned n = 0;

		arg.s = rest;
		arg.e = t->e;
		trim(&arg);
		if (p->approvals)
			return bad(line, t, "approvals are given once");
		if (arg.s == arg.e || arg.e - arg.s > 2)
			goto count;
		for (rest = arg.s; rest < arg.e; rest++) {
			if (!isdigit((unsigned char)*rest))
				goto count;
			n = n * 10 + (unsigned)(*rest - '0');
		}
		if (n < 1 || n > POLICY_MAX_APPROVALS)
			goto count;
		g = add_gate(p);
		g->kind = GATE_APPROVALS;
		g->count = p->approvals = n;
		return 0;
count:
		return bad(line, t, "approvals takes a number from 1 to 32");
	}
	return bad(line, t, "unknown gate; a gate is 'metrics.KEY OP NUMBER', "
		   "'metrics.KEY OP current', 'input-context CONTEXT' or "
		   "'approvals N'");
}

int policy_parse(struct policy *out, const char *text, size_t len)
{
	struct policy p = POLICY_INIT;
	const char *s = text, *end = text + len;
	unsigned line = 0;
	int err = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (len > POLICY_MAX_TEXT)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"a policy is at most %d bytes", POLICY_MAX_TEXT);
	for (i = 0; i < len; i++)
		if (((unsigned char)text[i] < 0x20 && text[i] != '\t' &&
		     text[i] != '\r' && text[i] != '\n') || text[i] == 0x7f)
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"a policy may not hold control "
						"characters (byte %zu)", i);
	while (s < end && !err) {
		struct span t = { s, s };

		while (t.e < end && *t.e != '\n' && *t.e != ';')
			t.e++;
		s = t.e < end ? t.e + 1 : end;
		line++;
		trim(&t);
		if (t.s == t.e)
			continue;
		if (p.n == POLICY_MAX_GATES)
			err = bad(line, &t, "a policy has at most 64 gates");
		else
			err = parse_line(&p, line, &t);
	}
	if (!err && !p.n)
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "empty policy: give at least one gate");
	if (err < 0) {
		policy_release(&p);
		return err;
	}
	*out = p;
	return 0;
}

/* The shortest decimal that reads back as v. */
static void format_number(struct buf *out, double v)
{
	char tmp[64];
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	buf_puts(out, tmp);
}

void policy_gate_format(struct buf *out, const struct gate *g)
{
	switch (g->kind) {
	case GATE_METRIC:
		buf_printf(out, "metrics.%s %s ", g->key, op_names[g->op]);
		format_number(out, g->value);
		break;
	case GATE_CURRENT:
		buf_printf(out, "metrics.%s %s current", g->key, op_names[g->op]);
		break;
	case GATE_INPUT:
		buf_printf(out, "input-context %s", g->key);
		break;
	case GATE_APPROVALS:
		buf_printf(out, "approvals %u", g->count);
		break;
	}
}

void policy_format(struct buf *out, const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		policy_gate_format(out, &p->gates[i]);
		buf_addch(out, '\n');
	}
}
