/*
 * Documentation from the option table: the annotated example file, the
 * option list of sipxmppd.conf(5), and the effective configuration for
 * --check-config. The unit tests compare the checked-in example and man
 * page with this output, so the documentation cannot drift from the code.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

/* Placeholder shown instead of secret values. */
#define SECRET_MASK "********"

/* The loopback deployment the example describes, with the Prosody side
 * an operator needs to match it. */
static const char example_preamble[] =
    "# sipxmppd.conf -- configuration of sipxmppd(8), the SIP/XMPP gateway.\n"
    "#\n"
    "# Written by config_write_example() from the option table in\n"
    "# config/config_options.c; a unit test keeps the two identical.\n"
    "# The format is described in sipxmppd.conf(5).\n"
    "#\n"
    "# This example is a loopback deployment: SIP on 127.0.0.1:5070, and\n"
    "# the component sip.example on a Prosody on the same machine, which\n"
    "# prosody.cfg.lua declares with:\n"
    "#\n"
    "#   component_ports = { 5347 }\n"
    "#   component_interfaces = { \"127.0.0.1\" }\n"
    "#   network_settings = { nagle = false }\n"
    "#   Component \"sip.example\"\n"
    "#       component_secret = \"changeme\"\n"
    "#\n"
    "# Lines starting with '#' or ';' are comments. An option that is\n"
    "# commented out has the value shown, which is its default.\n";

/* Writes text as '#' comment lines of at most 72 columns. */
static void
write_wrapped(FILE *out, const char *text)
{
	const char *p = text;
	int col = 0;

	while (*p != '\0') {
		size_t n;

		p += strspn(p, " ");
		if (*p == '\0')
			break;
		n = strcspn(p, " ");
		if (col > 0 && col + 1 + (int)n > 72) {
			fputc('\n', out);
			col = 0;
		}
		if (col == 0) {
			fputs("#", out);
			col = 1;
		}
		fprintf(out, " %.*s", (int)n, p);
		col += 1 + (int)n;
		p += n;
	}
	if (col > 0)
		fputc('\n', out);
}

/* The allowed values of an option, as one sentence; "" if free text. */
static void
write_allowed(FILE *out, const struct config_option *o, const char *lead,
    const char *sep)
{
	switch (o->type) {
	case CONFIG_INT:
		fprintf(out, "%sFrom %lld to %lld.%s", lead, o->min, o->max,
		    sep);
		break;
	case CONFIG_BOOL:
		fprintf(out, "%sYes or no.%s", lead, sep);
		break;
	case CONFIG_ENUM:
		fprintf(out, "%sOne of:", lead);
		for (const struct config_enum_name *e = o->names;
		    e->name != NULL; e++)
			fprintf(out, " %s%s", e->name,
			    e[1].name != NULL ? "," : ".");
		fputs(sep, out);
		break;
	case CONFIG_FLAGS:
		fprintf(out, "%sA comma list of:", lead);
		for (const struct config_enum_name *e = o->names;
		    e->name != NULL; e++)
			fprintf(out, " %s%s", e->name,
			    e[1].name != NULL ? "," : ".");
		fputs(sep, out);
		break;
	default:
		break;
	}
}

/* Writes the annotated example: every option with its help, bounds and
 * default; the ones the example deployment sets are not commented out. */
void
config_write_example(FILE *out)
{
	fputs(example_preamble, out);
	for (int s = 0; config_sections[s] != NULL; s++) {
		fprintf(out, "\n[%s]\n", config_sections[s]);
		for (size_t i = 0; i < config_n_options; i++) {
			const struct config_option *o = &config_options[i];

			if (strcmp(o->section, config_sections[s]) != 0)
				continue;
			fputc('\n', out);
			write_wrapped(out, o->help);
			write_allowed(out, o, "# ", "\n");
			if (o->flags & CONFIG_REQUIRED)
				fputs("# Required.\n", out);
			if (o->example != NULL)
				fprintf(out, "%s = %s\n", o->key, o->example);
			else
				fprintf(out, "#%s =%s%s\n", o->key,
				    o->def != NULL ? " " : "",
				    o->def != NULL ? o->def : "");
		}
	}
}

/* Writes text for a roff text line: backslashes escaped, one sentence
 * per line (as mdoc wants), no line starting with a control character. */
static void
write_roff_text(FILE *out, const char *text)
{
	int bol = 1;

	for (const char *p = text; *p != '\0'; p++) {
		if (bol && *p == ' ')
			continue;
		if (bol && (*p == '.' || *p == '\''))
			fputs("\\&", out);
		bol = 0;
		if (*p == '\\')
			fputs("\\e", out);
		else
			fputc(*p, out);
		if (*p == '.' && p[1] == ' ') {
			fputc('\n', out);
			bol = 1;
		}
	}
	if (!bol)
		fputc('\n', out);
}

/* Writes one macro argument so that roff never reads it as a macro. */
static void
write_roff_arg(FILE *out, const char *word, size_t n)
{
	fputs(" \\&", out);
	for (size_t i = 0; i < n; i++) {
		if (word[i] == '\\')
			fputs("\\e", out);
		else if (word[i] == '"')
			fputs("\\(dq", out);
		else
			fputc(word[i], out);
	}
}

/* Writes the OPTIONS part of sipxmppd.conf(5), one mdoc list per section,
 * to be pasted between the markers in man/sipxmppd.conf.5. */
void
config_write_man_options(FILE *out)
{
	for (int s = 0; config_sections[s] != NULL; s++) {
		fprintf(out, ".Ss [%s]\n.Bl -tag -width Ds\n",
		    config_sections[s]);
		for (size_t i = 0; i < config_n_options; i++) {
			const struct config_option *o = &config_options[i];

			if (strcmp(o->section, config_sections[s]) != 0)
				continue;
			fprintf(out, ".It Ic %s No = Ar %s\n", o->key, o->arg);
			write_roff_text(out, o->help);
			write_allowed(out, o, "", "\n");
			if (o->flags & CONFIG_REQUIRED)
				fputs("Required.\n", out);
			else if (o->def == NULL)
				fputs("Default: empty.\n", out);
			else {
				const char *p = o->def;

				fputs("Default:\n.Ql", out);
				while (*(p += strspn(p, " ")) != '\0') {
					size_t n = strcspn(p, " ");

					write_roff_arg(out, p, n);
					p += n;
				}
				fputs(" .\n", out);
			}
		}
		fputs(".El\n", out);
	}
}

/* Whether a string option has no value (prints as nothing). */
static int
is_unset(const struct config *cfg, const struct config_option *o)
{
	const char *v;

	if (o->type != CONFIG_STRING && o->type != CONFIG_PATH)
		return 0;
	memcpy(&v, (const char *)cfg + o->offset, sizeof(v));
	return v == NULL;
}

/* Writes the configuration in effect, in file syntax, secrets masked:
 * what --check-config shows. */
void
config_write_effective(FILE *out, const struct config *cfg)
{
	for (int s = 0; config_sections[s] != NULL; s++) {
		fprintf(out, "%s[%s]\n", s > 0 ? "\n" : "",
		    config_sections[s]);
		for (size_t i = 0; i < config_n_options; i++) {
			const struct config_option *o = &config_options[i];

			if (strcmp(o->section, config_sections[s]) != 0)
				continue;
			fprintf(out, "%s =", o->key);
			if (is_unset(cfg, o))
				;
			else if (o->offset == offsetof(struct config,
			    xmpp_secret) && cfg->xmpp_secret_file != NULL)
				;	/* read from the file named below */
			else if (o->flags & CONFIG_SECRET)
				fputs(" " SECRET_MASK, out);
			else {
				fputc(' ', out);
				config_option_print(out, cfg, o);
			}
			fputc('\n', out);
		}
	}
}
