#!/usr/bin/python3
"""The gateway as a service, seen by a slixmpp client (issue 14 item 5).

juliet@xmpp.test asks the component (sip.test) and its contact JIDs:
  - XEP-0030 disco#info of the component: identity gateway/simple and the
    features it serves (jabber:iq:gateway, ping);
  - disco#info of a contact (romeo@sip.test): client/pc, receipts, chat
    states, markers, nick; of a JID the mapping refuses: item-not-found;
  - XEP-0100 jabber:iq:gateway: the prompt, and the JID for a SIP address
    both written as a URI and as a person types it; the mapping's
    refusals (sips:, an unmapped domain) and an empty prompt as errors;
  - XEP-0199 pings to the component and to romeo answered, to a refused
    JID service-unavailable;
  - an iq nobody serves (jabber:iq:version, a set to a contact):
    service-unavailable, never silence;
  - XEP-0115: romeo's presence (PUBLISHed at Kamailio, watched by juliet)
    carries <c hash='sha-1' node ver/>, slixmpp's xep_0115 fetches
    disco#info on node#ver and accepts the ver, and the ver is the one
    computed (XEP-0115 §5.1) from the contact's disco#info;
  - a burst of requests is answered, one for one, and the gateway lives.
"""

import base64
import hashlib
import os
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from slixmpp.exceptions import IqError, IqTimeout         # noqa: E402

from harness import util                                   # noqa: E402
from harness.presence import PresenceBed, is_from, pidf_open  # noqa: E402
from harness.util import check                             # noqa: E402

COMPONENT = "sip.test"
ROMEO = "romeo@sip.test"
REFUSED = "a\\5cb@sip.test"    # not canonical XEP-0106: the mapping refuses
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
DISCO = "http://jabber.org/protocol/disco#info"
GATEWAY = "jabber:iq:gateway"
CAPS = "http://jabber.org/protocol/caps"
CONTACT_FEATURES = ("urn:xmpp:receipts",
                    "http://jabber.org/protocol/chatstates",
                    "urn:xmpp:chat-markers:0",
                    "http://jabber.org/protocol/nick", DISCO,
                    "urn:xmpp:ping")


def iq(user, to, itype, payload, timeout=5.0):
    """juliet sends <iq type=itype to=to>payload</iq>; returns the answer
    as an ElementTree element (result or error)."""
    async def go():
        q = user.xmpp.make_iq(id=user.xmpp.new_id(), ito=to, itype=itype)
        q.append(ET.fromstring(payload))
        try:
            r = await q.send(timeout=timeout)
        except IqError as e:
            r = e.iq
        except IqTimeout:
            return None
        return ET.fromstring(ET.tostring(r.xml))
    return user._call(go, timeout=timeout + 5)


def condition(r):
    """The RFC 6120 condition of an iq error, or None."""
    err = r.find("{jabber:component:accept}error")
    if err is None:
        err = next((c for c in r if c.tag.endswith("}error")), None)
    if err is None:
        return None
    for c in err:
        if c.tag.startswith("{%s}" % STANZAS) and not c.tag.endswith("}text"):
            return c.tag.split("}", 1)[1]
    return None


def expect_error(r, cond, what):
    check(r is not None, "%s: no answer", what)
    check(r.get("type") == "error" and condition(r) == cond,
          "%s: wanted %s, got %s", what, cond, ET.tostring(r))


def expect_result(r, what):
    check(r is not None, "%s: no answer", what)
    check(r.get("type") == "result", "%s: got %s", what, ET.tostring(r))


def child(r, name, ns):
    """The first <name xmlns=ns/> child of r, or None."""
    return r.find("{%s}%s" % (ns, name)) if r is not None else None


def disco_parts(r):
    """(identities as (category, type, lang, name), features) of a result."""
    q = child(r, "query", DISCO)
    check(q is not None, "no disco#info query: %s", ET.tostring(r))
    ids = [(i.get("category"), i.get("type"),
            i.get("{http://www.w3.org/XML/1998/namespace}lang"),
            i.get("name")) for i in q.findall("{%s}identity" % DISCO)]
    feats = [f.get("var") for f in q.findall("{%s}feature" % DISCO)]
    return ids, feats


def ver_of(ids, feats):
    """XEP-0115 §5.1, written again here (no forms)."""
    s = "".join("%s/%s/%s/%s<" % tuple(x or "" for x in i)
                for i in sorted(ids, key=lambda i: tuple(x or "" for x in
                                                          i[:3])))
    s += "".join(f + "<" for f in sorted(feats))
    return base64.b64encode(hashlib.sha1(s.encode()).digest()).decode()


def check_component_disco(b):
    """The component's disco#info: gateway/simple, and what it serves."""
    r = iq(b.juliet, COMPONENT, "get", "<query xmlns='%s'/>" % DISCO)
    expect_result(r, "disco#info of the component")
    ids, feats = disco_parts(r)
    check(("gateway", "simple") in [i[:2] for i in ids], "identities %r", ids)
    for f in (DISCO, GATEWAY, "urn:xmpp:ping", "jid\\20escaping"):
        check(f in feats, "%s missing from %r", f, feats)
    r = iq(b.juliet, COMPONENT, "get",
           "<query xmlns='%s' node='no-such-node'/>" % DISCO)
    expect_error(r, "item-not-found", "disco#info of an unknown node")


def check_contact_disco(b):
    """A contact's disco#info: client/pc and the translated features; a
    JID the mapping refuses is item-not-found (XEP-0030 §3.1)."""
    r = iq(b.juliet, ROMEO, "get", "<query xmlns='%s'/>" % DISCO)
    expect_result(r, "disco#info of romeo")
    ids, feats = disco_parts(r)
    check(ids == [("client", "pc", None, None)], "identities %r", ids)
    for f in CONTACT_FEATURES:
        check(f in feats, "%s missing from %r", f, feats)
    check(len(set(feats)) == len(feats), "duplicate features %r", feats)
    r = iq(b.juliet, ROMEO + "/desk", "get", "<query xmlns='%s'/>" % DISCO)
    expect_result(r, "disco#info of romeo/desk")
    check(disco_parts(r) == (ids, feats), "romeo/desk differs")
    r = iq(b.juliet, REFUSED, "get", "<query xmlns='%s'/>" % DISCO)
    expect_error(r, "item-not-found", "disco#info of a refused JID")


def prompt_jid(b, address):
    r = iq(b.juliet, COMPONENT, "set",
           "<query xmlns='%s'><prompt>%s</prompt></query>" % (GATEWAY,
                                                             address))
    return r


def check_gateway_prompt(b):
    """XEP-0100 §6: get gives desc + prompt; set gives the JID the SIP
    user's messages come from, or the mapping's refusal."""
    r = iq(b.juliet, COMPONENT, "get", "<query xmlns='%s'/>" % GATEWAY)
    expect_result(r, "jabber:iq:gateway get")
    q = child(r, "query", GATEWAY)
    check(q is not None and child(q, "prompt", GATEWAY) is not None and
          child(q, "desc", GATEWAY) is not None, "no prompt: %s",
          ET.tostring(r))
    for typed in ("sip:romeo@sip.test", "romeo@sip.test",
                  "  sip:romeo@sip.test "):
        r = prompt_jid(b, typed)
        expect_result(r, "prompt %r" % typed)
        jid = child(child(r, "query", GATEWAY), "jid", GATEWAY)
        check(jid is not None and jid.text == ROMEO, "prompt %r gave %s",
              typed, ET.tostring(r))
    expect_error(prompt_jid(b, "sips:romeo@sip.test"), "forbidden",
                 "a sips: address (RFC 7247 §8)")
    expect_error(prompt_jid(b, "sip:bob@nowhere.example"), "item-not-found",
                 "an unmapped domain")
    expect_error(prompt_jid(b, "sip:"), "jid-malformed", "a bare scheme")
    expect_error(prompt_jid(b, ""), "bad-request", "an empty prompt")
    r = iq(b.juliet, COMPONENT, "set", "<query xmlns='%s'/>" % GATEWAY)
    expect_error(r, "bad-request", "a set without <prompt/>")


def check_pings(b):
    """XEP-0199: the component and a contact answer; a refused JID is
    no account (service-unavailable, RFC 6121 §8.5.1)."""
    for to in (COMPONENT, ROMEO, ROMEO + "/desk"):
        expect_result(iq(b.juliet, to, "get",
                         "<ping xmlns='urn:xmpp:ping'/>"), "ping %s" % to)
    expect_error(iq(b.juliet, REFUSED, "get",
                    "<ping xmlns='urn:xmpp:ping'/>"), "service-unavailable",
                 "ping to a refused JID")


def check_unknown_iq(b):
    """What nobody serves: service-unavailable (RFC 6120 §8.4)."""
    for to, itype, payload in (
            (COMPONENT, "get", "<query xmlns='jabber:iq:version'/>"),
            (ROMEO, "get", "<query xmlns='jabber:iq:version'/>"),
            (ROMEO, "set", "<ping xmlns='urn:xmpp:ping'/>"),
            (COMPONENT, "set", "<query xmlns='%s'/>" % DISCO),
            (ROMEO, "get", "<vCard xmlns='vcard-temp'/>")):
        expect_error(iq(b.juliet, to, itype, payload), "service-unavailable",
                     "%s %s %s" % (itype, to, payload))


def check_caps_in_presence(b):
    """romeo's presence carries caps; slixmpp verifies them against the
    disco#info on node#ver; the ver is XEP-0115 §5.1 of that answer."""
    x = b.juliet.xmpp
    b.juliet._call(lambda: x.register_plugin("xep_0115"))
    r = b.romeo.publish(pidf_open("sip:romeo@sip.test", note="here",
                                  tuple_id="ID-desk"))
    check(r is not None and r.status == 200, "PUBLISH: %r", r)
    mark = b.juliet.presence_mark()
    b.juliet.subscribe(ROMEO)
    p = b.juliet.wait_presence(is_from(ROMEO + "/desk", None), 5.0,
                               start=mark)
    check(p is not None, "no presence from romeo: %r\n%s",
          b.juliet.received_presences(start=mark),
          util.tail(b.gateway.log_path, 30))
    c = ET.fromstring(p.xml).find("{%s}c" % CAPS)
    check(c is not None, "no caps in %s", p.xml)
    check(c.get("hash") == "sha-1" and c.get("node") and c.get("ver"),
          "caps %s", p.xml)
    node, ver = c.get("node"), c.get("ver")
    r = iq(b.juliet, ROMEO + "/desk", "get",
           "<query xmlns='%s' node='%s#%s'/>" % (DISCO, node, ver))
    expect_result(r, "disco#info on node#ver")
    check(child(r, "query", DISCO).get("node") == "%s#%s" % (node, ver),
          "node not mirrored (XEP-0030 §3.2): %s", ET.tostring(r))
    ids, feats = disco_parts(r)
    check(ver_of(ids, feats) == ver, "ver %s, disco#info gives %s", ver,
          ver_of(ids, feats))
    r = iq(b.juliet, ROMEO, "get",
           "<query xmlns='%s' node='%s#wrong'/>" % (DISCO, node))
    expect_error(r, "item-not-found", "disco#info on a wrong ver")

    async def verified():
        return await x["xep_0115"].get_verstring(ROMEO + "/desk")
    got = None
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        got = b.juliet._call(verified)
        if got == ver:
            break
        time.sleep(0.1)
    check(got == ver, "slixmpp did not accept ver %s (has %r)", ver, got)


def check_burst(b):
    """200 requests at once, hostile and not: every one answered, in
    kind, and the gateway still serves afterwards."""
    async def burst():
        futs = []
        for i in range(200):
            to = (COMPONENT, ROMEO, REFUSED, ROMEO + "/x")[i % 4]
            q = x.make_iq(id=x.new_id(), ito=to, itype="get")
            q.append(ET.fromstring("<ping xmlns='urn:xmpp:ping'/>" if i % 3
                                   else "<query xmlns='%s'/>" % DISCO))
            futs.append(q.send(timeout=10))
        out = []
        for f in futs:
            try:
                await f
                out.append("result")
            except IqError as e:
                out.append(e.iq["error"]["condition"])
            except IqTimeout:
                out.append("timeout")
        return out
    x = b.juliet.xmpp
    got = b.juliet._call(burst, timeout=30)
    counts = {a: got.count(a) for a in set(got)}
    check(len(got) == 200 and "timeout" not in got, "answers: %r", counts)
    check(counts == {"result": 150, "service-unavailable": 33,
                     "item-not-found": 17}, "answers: %r", counts)
    expect_result(iq(b.juliet, ROMEO, "get",
                     "<ping xmlns='urn:xmpp:ping'/>"), "ping after")


def main():
    t = util.TestRunner("services")
    b = PresenceBed("services")
    try:
        b.start()
    except Exception:
        t.fail_setup("kamailio + deployment start")
        t.finish()
    for f in (check_component_disco, check_contact_disco,
              check_gateway_prompt, check_pings, check_unknown_iq,
              check_caps_in_presence, check_burst):
        t.run(f, b)
    try:
        b.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
