/*
 * RFC 4575 conference-info (codec/conference_info.c, _parse.c): the
 * RFC's own example (§6.1) read and surviving a round trip through the
 * builder; the documents the room bridge will send (full roster, a join,
 * a kick, a room destroyed) byte for byte and read back; the subscriber's
 * version rule (§4.6); and what is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conference_info.h"

/* RFC 4575 §6.1, "Basic Example", as printed (comments included). */
static const char rfc_basic[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "   <conference-info\n"
    "    xmlns=\"urn:ietf:params:xml:ns:conference-info\"\n"
    "    entity=\"sips:conf233@example.com\"\n"
    "    state=\"full\" version=\"1\">\n"
    "   <!--\n"
    "     CONFERENCE INFO\n"
    "   -->\n"
    "    <conference-description>\n"
    "     <subject>Agenda: This month's goals</subject>\n"
    "     <service-uris>\n"
    "      <entry>\n"
    "       <uri>http://sharepoint/salesgroup/</uri>\n"
    "       <purpose>web-page</purpose>\n"
    "      </entry>\n"
    "     </service-uris>\n"
    "    </conference-description>\n"
    "   <!--\n"
    "      CONFERENCE STATE\n"
    "   -->\n"
    "    <conference-state>\n"
    "     <user-count>33</user-count>\n"
    "    </conference-state>\n"
    "   <!--\n"
    "     USERS\n"
    "   -->\n"
    "    <users>\n"
    "     <user entity=\"sip:bob@example.com\" state=\"full\">\n"
    "      <display-text>Bob Hoskins</display-text>\n"
    "   <!--\n"
    "     ENDPOINTS\n"
    "   -->\n"
    "      <endpoint entity=\"sip:bob@pc33.example.com\">\n"
    "       <display-text>Bob's Laptop</display-text>\n"
    "       <status>disconnected</status>\n"
    "       <disconnection-method>departed</disconnection-method>\n"
    "       <disconnection-info>\n"
    "        <when>2005-03-04T20:00:00Z</when>\n"
    "        <reason>bad voice quality</reason>\n"
    "        <by>sip:mike@example.com</by>\n"
    "       </disconnection-info>\n"
    "   <!--\n"
    "     MEDIA\n"
    "   -->\n"
    "       <media id=\"1\">\n"
    "        <display-text>main audio</display-text>\n"
    "        <type>audio</type>\n"
    "        <label>34567</label>\n"
    "        <src-id>432424</src-id>\n"
    "        <status>sendrecv</status>\n"
    "       </media>\n"
    "      </endpoint>\n"
    "     </user>\n"
    "   <!--\n"
    "     USER\n"
    "   -->\n"
    "     <user entity=\"sip:alice@example.com\" state=\"full\">\n"
    "      <display-text>Alice</display-text>\n"
    "   <!--\n"
    "     ENDPOINTS\n"
    "   -->\n"
    "      <endpoint entity=\"sip:4kfk4j392jsu@example.com;grid=433kj4j3u\">\n"
    "       <status>connected</status>\n"
    "       <joining-method>dialed-out</joining-method>\n"
    "       <joining-info>\n"
    "        <when>2005-03-04T20:00:00Z</when>\n"
    "        <by>sip:mike@example.com</by>\n"
    "       </joining-info>\n"
    "   <!--\n"
    "     MEDIA\n"
    "   -->\n"
    "       <media id=\"1\">\n"
    "        <display-text>main audio</display-text>\n"
    "        <type>audio</type>\n"
    "        <label>34567</label>\n"
    "        <src-id>534232</src-id>\n"
    "        <status>sendrecv</status>\n"
    "       </media>\n"
    "      </endpoint>\n"
    "     </user>\n"
    "    </users>\n"
    "   </conference-info>\n";

/* Parses a C string; the test fails if it is refused. */
static void
parse_ok(const char *text, struct conference_info *ci)
{
	char *cause = NULL;

	if (conference_info_parse(text, strlen(text), ci, &cause) != 0)
		fail_msg("refused: %s", cause != NULL ? cause : "?");
	assert_null(cause);
}

/* Builds ci, parses it back, and checks both say the same. */
static void
round_trip(const struct conference_info *ci)
{
	struct conference_info back;
	struct strbuf sb;

	strbuf_init(&sb);
	assert_int_equal(conference_info_build(&sb, ci), 0);
	parse_ok(sb.buf, &back);
	if (!conference_info_equal(ci, &back))
		fail_msg("round trip changed the document:\n%s", sb.buf);
	conference_info_free(&back);
	strbuf_free(&sb);
}

/* RFC 4575 §6.1: everything we model is read; the round trip keeps it. */
static void
test_rfc_basic_example(void **state)
{
	struct conference_info ci;
	struct ci_user *bob, *alice;

	(void)state;
	parse_ok(rfc_basic, &ci);
	assert_string_equal(ci.entity, "sips:conf233@example.com");
	assert_int_equal(ci.state, CI_STATE_FULL);
	assert_int_equal(ci.version, 1);
	assert_null(ci.display_text);
	assert_string_equal(ci.subject, "Agenda: This month's goals");
	assert_int_equal(ci.user_count, 33);
	assert_true(ci.has_users);
	assert_int_equal(ci.users_state, CI_STATE_FULL);
	assert_int_equal(ci.n_users, 2);
	assert_false(ci.truncated);

	bob = &ci.users[0];
	assert_string_equal(bob->entity, "sip:bob@example.com");
	assert_int_equal(bob->state, CI_STATE_FULL);
	assert_string_equal(bob->display_text, "Bob Hoskins");
	assert_int_equal(bob->n_roles, 0);
	assert_int_equal(bob->n_endpoints, 1);
	assert_string_equal(bob->endpoints[0].entity,
	    "sip:bob@pc33.example.com");
	assert_string_equal(bob->endpoints[0].display_text, "Bob's Laptop");
	assert_int_equal(bob->endpoints[0].status, CI_STATUS_DISCONNECTED);
	assert_int_equal(bob->endpoints[0].disconnection_method,
	    CI_DISCONNECTION_DEPARTED);
	assert_string_equal(bob->endpoints[0].disconnection_when,
	    "2005-03-04T20:00:00Z");
	assert_string_equal(bob->endpoints[0].disconnection_reason,
	    "bad voice quality");
	assert_int_equal(bob->endpoints[0].joining_method, CI_JOINING_NONE);

	alice = &ci.users[1];
	assert_string_equal(alice->entity, "sip:alice@example.com");
	assert_string_equal(alice->display_text, "Alice");
	assert_string_equal(alice->endpoints[0].entity,
	    "sip:4kfk4j392jsu@example.com;grid=433kj4j3u");
	assert_null(alice->endpoints[0].display_text);
	assert_int_equal(alice->endpoints[0].status, CI_STATUS_CONNECTED);
	assert_int_equal(alice->endpoints[0].joining_method,
	    CI_JOINING_DIALED_OUT);
	assert_string_equal(alice->endpoints[0].joining_when,
	    "2005-03-04T20:00:00Z");
	assert_null(alice->endpoints[0].disconnection_reason);

	round_trip(&ci);
	conference_info_free(&ci);
	assert_null(ci.users);
}

/* The full roster of a room, exactly as the bridge will send it. */
static void
test_build_full(void **state)
{
	struct ci_endpoint ep[2] = {
		{ .entity = "sip:alice@sip.example.com",
		    .status = CI_STATUS_CONNECTED,
		    .joining_method = CI_JOINING_DIALED_IN },
		{ .entity = "xmpp:devs@conference.xmpp.example/R&D <lead>",
		    .status = CI_STATUS_CONNECTED },
	};
	struct ci_user users[2] = {
		{ .entity = "sip:alice@sip.example.com",
		    .display_text = "Alice", .roles = { "participant" },
		    .n_roles = 1, .endpoints = &ep[0], .n_endpoints = 1 },
		{ .entity = "sip:devs@conf.sip.example;gr=R%26D%20%3Clead%3E",
		    .display_text = "R&D <lead>",
		    .roles = { "moderator", "owner" }, .n_roles = 2,
		    .endpoints = &ep[1], .n_endpoints = 1 },
	};
	struct conference_info ci = {
		.entity = "sip:devs@conf.sip.example", .version = 1,
		.display_text = "devs", .subject = "Release on Friday",
		.user_count = 2, .users = users, .n_users = 2,
	};
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(conference_info_build(&sb, &ci), 0);
	assert_string_equal(sb.buf,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\""
	    " entity=\"sip:devs@conf.sip.example\" state=\"full\" "
	    "version=\"1\"><conference-description><display-text>devs"
	    "</display-text><subject>Release on Friday</subject>"
	    "</conference-description><conference-state><user-count>2"
	    "</user-count></conference-state><users>"
	    "<user entity=\"sip:alice@sip.example.com\" state=\"full\">"
	    "<display-text>Alice</display-text><roles><entry>participant"
	    "</entry></roles><endpoint entity=\"sip:alice@sip.example.com\">"
	    "<status>connected</status><joining-method>dialed-in"
	    "</joining-method></endpoint></user>"
	    "<user entity=\"sip:devs@conf.sip.example;gr=R%26D%20%3Clead%3E\""
	    " state=\"full\"><display-text>R&amp;D &lt;lead&gt;"
	    "</display-text><roles><entry>moderator</entry><entry>owner"
	    "</entry></roles><endpoint entity=\"xmpp:devs@conference.xmpp."
	    "example/R&amp;D &lt;lead&gt;\"><status>connected</status>"
	    "</endpoint></user></users></conference-info>\n");
	strbuf_free(&sb);
	round_trip(&ci);

	/* A full document always has a description and users (§5.2). */
	ci.display_text = ci.subject = NULL;
	ci.n_users = 0;
	ci.user_count = -1;
	strbuf_init(&sb);
	assert_int_equal(conference_info_build(&sb, &ci), 0);
	assert_non_null(strstr(sb.buf, "<conference-description>"
	    "</conference-description><users></users></conference-info>"));
	strbuf_free(&sb);
	round_trip(&ci);
}

/* Partial notifications: one joins, one is kicked; the room is gone. */
static void
test_build_partial(void **state)
{
	struct ci_endpoint kicked = {
		.entity = "sip:carol@sip.example.com",
		.status = CI_STATUS_DISCONNECTED,
		.disconnection_method = CI_DISCONNECTION_BOOTED,
		.disconnection_reason = "flooding",
	};
	struct ci_user users[2] = {
		{ .entity = "sip:dave@sip.example.com", .display_text = "Dave",
		    .state = CI_STATE_FULL },
		{ .entity = "sip:carol@sip.example.com",
		    .state = CI_STATE_PARTIAL, .endpoints = &kicked,
		    .n_endpoints = 1 },
	};
	struct conference_info ci = {
		.entity = "sip:devs@conf.sip.example",
		.state = CI_STATE_PARTIAL, .version = 7, .user_count = -1,
		.users_state = CI_STATE_PARTIAL, .users = users, .n_users = 2,
	};
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(conference_info_build(&sb, &ci), 0);
	assert_string_equal(sb.buf,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\""
	    " entity=\"sip:devs@conf.sip.example\" state=\"partial\" "
	    "version=\"7\"><users state=\"partial\">"
	    "<user entity=\"sip:dave@sip.example.com\" state=\"full\">"
	    "<display-text>Dave</display-text></user>"
	    "<user entity=\"sip:carol@sip.example.com\" state=\"partial\">"
	    "<endpoint entity=\"sip:carol@sip.example.com\">"
	    "<status>disconnected</status><disconnection-method>booted"
	    "</disconnection-method><disconnection-info><reason>flooding"
	    "</reason></disconnection-info></endpoint></user></users>"
	    "</conference-info>\n");
	ci.has_users = 1;
	round_trip(&ci);

	/* One leaves: the user deleted, no children (§4.4). */
	users[0].state = CI_STATE_DELETED;
	ci.n_users = 1;
	ci.version = 8;
	strbuf_reset(&sb);
	assert_int_equal(conference_info_build(&sb, &ci), 0);
	assert_non_null(strstr(sb.buf, "<users state=\"partial\"><user "
	    "entity=\"sip:dave@sip.example.com\" state=\"deleted\"/></users>"));
	users[0].display_text = NULL;	/* not sent, so not read back */
	round_trip(&ci);

	/* The room is destroyed: the conference deleted, nothing inside. */
	ci.state = CI_STATE_DELETED;
	ci.version = 9;
	strbuf_reset(&sb);
	assert_int_equal(conference_info_build(&sb, &ci), 0);
	assert_string_equal(sb.buf,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\""
	    " entity=\"sip:devs@conf.sip.example\" state=\"deleted\" "
	    "version=\"9\"/>\n");
	strbuf_free(&sb);
}

/* What the builder refuses, leaving the buffer as it was. */
static void
test_build_refused(void **state)
{
	struct ci_endpoint ep = { .entity = "sip:x@y", .state =
	    CI_STATE_PARTIAL };
	struct ci_user u = { .entity = "sip:a@b" };
	struct conference_info ci = {
		.entity = "sip:r@c", .version = 1, .user_count = -1,
		.users = &u, .n_users = 1,
	};
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	strbuf_appends(&sb, "kept");
	assert_int_equal(conference_info_build(&sb, NULL), -1);
	ci.entity = NULL;
	assert_int_equal(conference_info_build(&sb, &ci), -1);
	ci.entity = "sip:r@c";
	u.entity = NULL;			/* the user's key */
	assert_int_equal(conference_info_build(&sb, &ci), -1);
	u.entity = "sip:a@b";
	u.display_text = "bell\x07";		/* not XML */
	assert_int_equal(conference_info_build(&sb, &ci), -1);
	u.display_text = "\xff";		/* not UTF-8 */
	assert_int_equal(conference_info_build(&sb, &ci), -1);
	u.display_text = NULL;
	u.state = CI_STATE_PARTIAL;		/* full users, partial user */
	assert_int_equal(conference_info_build(&sb, &ci), -1);
	u.state = CI_STATE_FULL;
	u.endpoints = &ep;		/* full user, partial endpoint */
	u.n_endpoints = 1;
	assert_int_equal(conference_info_build(&sb, &ci), -1);
	u.n_endpoints = 0;
	ci.users_state = CI_STATE_PARTIAL;	/* full doc, partial users */
	assert_int_equal(conference_info_build(&sb, &ci), -1);
	ci.users_state = CI_STATE_FULL;
	ci.state = (enum ci_state)7;
	assert_int_equal(conference_info_build(&sb, &ci), -1);
	ci.state = CI_STATE_FULL;
	u.n_roles = CI_MAX_ROLES + 1;
	assert_int_equal(conference_info_build(&sb, &ci), -1);
	assert_string_equal(sb.buf, "kept");
	u.n_roles = 0;
	assert_int_equal(conference_info_build(&sb, &ci), 0);
	strbuf_free(&sb);
}

/* RFC 4575 §4.6: what a subscriber does with each version. */
static void
test_versions(void **state)
{
	(void)state;
	assert_int_equal(conference_info_check_version(0, 0, CI_STATE_FULL,
	    1), CI_APPLY);
	assert_int_equal(conference_info_check_version(0, 0,
	    CI_STATE_PARTIAL, 1), CI_RESYNC);
	assert_int_equal(conference_info_check_version(1, 5,
	    CI_STATE_PARTIAL, 6), CI_APPLY);
	assert_int_equal(conference_info_check_version(1, 5,
	    CI_STATE_PARTIAL, 8), CI_RESYNC);
	assert_int_equal(conference_info_check_version(1, 5,
	    CI_STATE_PARTIAL, 5), CI_DISCARD);
	assert_int_equal(conference_info_check_version(1, 5, CI_STATE_FULL,
	    4), CI_DISCARD);
	assert_int_equal(conference_info_check_version(1, 5, CI_STATE_FULL,
	    9), CI_APPLY);
	assert_int_equal(conference_info_check_version(1, 5,
	    CI_STATE_DELETED, 6), CI_APPLY);
	assert_int_equal(conference_info_check_version(1, 0xffffffffu,
	    CI_STATE_FULL, 0xffffffffu), CI_DISCARD);
}

/* Parses text and expects a refusal whose cause contains want. */
static void
refused(const char *text, const char *want)
{
	struct conference_info ci;
	char *cause = NULL;

	assert_int_equal(conference_info_parse(text, strlen(text), &ci,
	    &cause), -1);
	if (cause == NULL || strstr(cause, want) == NULL)
		fail_msg("%s: cause %s, wanted %s", text,
		    cause != NULL ? cause : "none", want);
	free(cause);
	assert_null(ci.users);
	assert_null(ci.entity);
}

#define HEAD	"<conference-info xmlns=\"urn:ietf:params:xml:ns:" \
		"conference-info\" "

/* Hostile and broken documents. */
static void
test_parse_refused(void **state)
{
	char *big;

	(void)state;
	refused("", "empty");
	refused("<!DOCTYPE x [<!ENTITY a \"b\">]>" HEAD "entity=\"a\" "
	    "version=\"1\">&a;</conference-info>", "DOCTYPE");
	refused(HEAD "entity=\"a\" version=\"1\">\xff</conference-info>",
	    "UTF-8");
	refused(HEAD "entity=\"a\" version=\"1\">", "well-formed");
	refused("<conference-info entity=\"a\" version=\"1\"/>",
	    "root is not");
	refused("<c:conference-info xmlns:c=\"urn:other\" entity=\"a\" "
	    "version=\"1\"/>", "root is not");
	refused(HEAD "version=\"1\"/>", "no entity");
	refused(HEAD "entity=\"a\"/>", "version");
	refused(HEAD "entity=\"a\" version=\"-1\"/>", "version");
	refused(HEAD "entity=\"a\" version=\"4294967296\"/>",
	    "version");
	refused(HEAD "entity=\"a\" version=\"1x\"/>", "version");
	refused(HEAD "entity=\"a\" version=\"1\" state=\"half\"/>",
	    "state");
	refused(HEAD "entity=\"a\" version=\"1\"><users><user/></users>"
	    "</conference-info>", "bad users");
	refused(HEAD "entity=\"a\" version=\"1\"><users state=\"partial\"/>"
	    "</conference-info>", "not full");
	refused(HEAD "entity=\"a\" version=\"1\"><users><user entity=\"u\" "
	    "state=\"deleted\"/></users></conference-info>", "bad users");
	refused(HEAD "entity=\"a\" version=\"1\"><conference-state>"
	    "<user-count>lots</user-count></conference-state>"
	    "</conference-info>", "bad conference-state");

	big = calloc(1, CI_MAX_BODY + 2);
	assert_non_null(big);
	memset(big, ' ', CI_MAX_BODY + 1);
	refused(big, "limit");
	free(big);
}

/* Lenient where the schema grows: unknown values, extra elements, bounds. */
static void
test_parse_lenient(void **state)
{
	struct conference_info ci;
	struct strbuf sb;
	char *cause = NULL;

	(void)state;
	parse_ok(HEAD "entity=\"a\" version=\"4294967295\" state=\"partial\">"
	    "<users state=\"partial\"><user entity=\"u\" state=\"partial\">"
	    "<endpoint entity=\"e\" state=\"deleted\"><status>connected"
	    "</status></endpoint><endpoint><status>levitating</status>"
	    "<joining-method>teleported</joining-method><x:y "
	    "xmlns:x=\"urn:ext\">z</x:y></endpoint></user></users>"
	    "<sidebars-by-ref/></conference-info>", &ci);
	assert_int_equal(ci.version, 0xffffffffu);
	assert_int_equal(ci.state, CI_STATE_PARTIAL);
	assert_int_equal(ci.user_count, -1);
	assert_int_equal(ci.n_users, 1);
	assert_int_equal(ci.users[0].n_endpoints, 2);
	/* A deleted endpoint's children are ignored (§4.4). */
	assert_int_equal(ci.users[0].endpoints[0].state, CI_STATE_DELETED);
	assert_int_equal(ci.users[0].endpoints[0].status, CI_STATUS_NONE);
	assert_null(ci.users[0].endpoints[1].entity);
	assert_int_equal(ci.users[0].endpoints[1].status, CI_STATUS_NONE);
	assert_int_equal(ci.users[0].endpoints[1].joining_method,
	    CI_JOINING_NONE);
	round_trip(&ci);
	conference_info_free(&ci);

	/* More users, endpoints and roles than we keep: truncated. */
	strbuf_init(&sb);
	strbuf_appends(&sb, HEAD "entity=\"a\" version=\"2\"><users>");
	for (int i = 0; i < CI_MAX_USERS + 5; i++) {
		char u[64];

		snprintf(u, sizeof(u), "<user entity=\"sip:u%d@x\"/>", i);
		strbuf_appends(&sb, u);
	}
	strbuf_appends(&sb, "<user entity=\"late\"><roles><entry>1</entry>"
	    "</roles></user></users></conference-info>");
	assert_int_equal(conference_info_parse(sb.buf, sb.len, &ci, &cause),
	    0);
	assert_int_equal(ci.n_users, CI_MAX_USERS);
	assert_true(ci.truncated);
	assert_string_equal(ci.users[CI_MAX_USERS - 1].entity, "sip:u1023@x");
	conference_info_free(&ci);

	strbuf_reset(&sb);
	strbuf_appends(&sb, HEAD "entity=\"a\" version=\"2\"><users><user "
	    "entity=\"u\"><roles>");
	for (int i = 0; i < CI_MAX_ROLES + 3; i++)
		strbuf_appends(&sb, "<entry>r</entry>");
	strbuf_appends(&sb, "</roles>");
	for (int i = 0; i < CI_MAX_ENDPOINTS + 3; i++)
		strbuf_appends(&sb, "<endpoint/>");
	strbuf_appends(&sb, "</user></users></conference-info>");
	assert_int_equal(conference_info_parse(sb.buf, sb.len, &ci, &cause),
	    0);
	assert_int_equal(ci.users[0].n_roles, CI_MAX_ROLES);
	assert_int_equal(ci.users[0].n_endpoints, CI_MAX_ENDPOINTS);
	assert_true(ci.truncated);
	conference_info_free(&ci);
	strbuf_free(&sb);
	assert_null(cause);
}

/* The names of the values, as the schema spells them. */
static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ci_state_name(CI_STATE_PARTIAL), "partial");
	assert_null(ci_state_name((enum ci_state)3));
	assert_string_equal(ci_status_name(CI_STATUS_MUTED_VIA_FOCUS),
	    "muted-via-focus");
	assert_null(ci_status_name(CI_STATUS_NONE));
	assert_null(ci_status_name((enum ci_status)10));
	assert_string_equal(ci_joining_name(CI_JOINING_FOCUS_OWNER),
	    "focus-owner");
	assert_string_equal(ci_disconnection_name(CI_DISCONNECTION_BOOTED),
	    "booted");
	assert_null(ci_disconnection_name((enum ci_disconnection)5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_basic_example),
		cmocka_unit_test(test_build_full),
		cmocka_unit_test(test_build_partial),
		cmocka_unit_test(test_build_refused),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_lenient),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
