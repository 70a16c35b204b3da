"""PIDF documents for the presence interop tests: build what a SIP UA
publishes (RFC 3863 PIDF, RFC 4480 RPID activities in an RFC 4479 person
element) and read what a notifier sends, reduced to the fields the tests
check (RFC 8048 §6: tuple id, basic, note with xml:lang, contact priority,
an embedded XMPP <show/>, RPID activities). The PIDF code is pure Python.

PresenceBed, at the end, is the deployment the presence tests share:
Kamailio as registrar, proxy and presence server for sip.test routing
xmpp.test to sipxmppd, Prosody with the gateway component, juliet logged
in, and romeo's scripted SIP UA registered at Kamailio.
"""

import os
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

PIDF_NS = "urn:ietf:params:xml:ns:pidf"
DM_NS = "urn:ietf:params:xml:ns:pidf:data-model"
RPID_NS = "urn:ietf:params:xml:ns:pidf:rpid"
CLIENT_NS = "jabber:client"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

CONTENT_TYPE = "application/pidf+xml"


def _tuple_xml(tid, basic, note=None, note_lang=None, contact=None,
               priority=None, show=None):
    """One <tuple/>; show is an XMPP <show/> value embedded in <status>
    (RFC 8048 §6.2 leaves it to extensions; the gateway carries it so)."""
    out = ["<tuple id=%s>" % quoteattr(tid), "<status>"]
    if basic is not None:
        out.append("<basic>%s</basic>" % escape(basic))
    if show is not None:
        out.append("<show xmlns='%s'>%s</show>" % (CLIENT_NS, escape(show)))
    out.append("</status>")
    if contact is not None:
        if priority is not None:
            out.append("<contact priority=%s>%s</contact>"
                       % (quoteattr(str(priority)), escape(contact)))
        else:
            out.append("<contact>%s</contact>" % escape(contact))
    if note is not None:
        if note_lang:
            out.append("<note xml:lang=%s>%s</note>"
                       % (quoteattr(note_lang), escape(note)))
        else:
            out.append("<note>%s</note>" % escape(note))
    out.append("</tuple>")
    return "".join(out)


def build_pidf(entity, basic="open", note=None, activity=None,
               tuple_id="t1", contact=None, priority=None, note_lang=None,
               show=None, tuples=None, person_note=None):
    """A PIDF document for entity (a sip: or pres: URI).

    basic: 'open', 'closed', or anything (e.g. 'unknown', for the quirk
    some phones have), None for no <basic>. activity: an RPID activity
    ('away', 'busy', 'on-the-phone', ...) put in a dm:person element.
    tuples: a list of dicts with the keys id, basic, note, note_lang,
    contact, priority, show, replacing the single tuple the other
    arguments describe.
    """
    if tuples is None:
        tuples = [dict(id=tuple_id, basic=basic, note=note,
                       note_lang=note_lang, contact=contact,
                       priority=priority, show=show)]
    out = ["<?xml version='1.0' encoding='UTF-8'?>",
           "<presence xmlns='%s' xmlns:dm='%s' xmlns:rpid='%s' entity=%s>"
           % (PIDF_NS, DM_NS, RPID_NS, quoteattr(entity))]
    for t in tuples:
        out.append(_tuple_xml(t.get("id", "t1"), t.get("basic", "open"),
                              t.get("note"), t.get("note_lang"),
                              t.get("contact"), t.get("priority"),
                              t.get("show")))
    if activity is not None or person_note is not None:
        out.append("<dm:person id='p1'>")
        if activity is not None:
            out.append("<rpid:activities><rpid:%s/></rpid:activities>"
                       % activity)
        if person_note is not None:
            out.append("<dm:note>%s</dm:note>" % escape(person_note))
        out.append("</dm:person>")
    out.append("</presence>")
    return "\n".join(out) + "\n"


def pidf_open(entity, note=None, **kw):
    """Available, optionally with a note."""
    return build_pidf(entity, "open", note=note, **kw)


def pidf_closed(entity, note=None, **kw):
    """Offline."""
    return build_pidf(entity, "closed", note=note, **kw)


def pidf_away(entity, note=None, **kw):
    """Open with RPID <away/> (XMPP show 'away')."""
    return build_pidf(entity, "open", note=note, activity="away", **kw)


def pidf_busy(entity, note=None, **kw):
    """Open with RPID <busy/> (XMPP show 'dnd')."""
    return build_pidf(entity, "open", note=note, activity="busy", **kw)


class PidfTuple:
    """One <tuple/> as read back."""

    def __init__(self, elem):
        self.id = elem.get("id")
        self.basic = None
        self.show = None
        status = elem.find("{%s}status" % PIDF_NS)
        if status is not None:
            b = status.find("{%s}basic" % PIDF_NS)
            if b is not None:
                self.basic = (b.text or "").strip()
            for child in status.iter():
                if child.tag == "{%s}show" % CLIENT_NS:
                    self.show = (child.text or "").strip()
        if self.show is None:
            # Anywhere else in the tuple, should a notifier put it there.
            for child in elem.iter("{%s}show" % CLIENT_NS):
                self.show = (child.text or "").strip()
        self.notes = {}
        for n in elem.findall("{%s}note" % PIDF_NS):
            self.notes[n.get(XML_LANG)] = n.text or ""
        self.contact = None
        self.priority = None
        c = elem.find("{%s}contact" % PIDF_NS)
        if c is not None:
            self.contact = (c.text or "").strip()
            p = c.get("priority")
            self.priority = float(p) if p is not None else None
        ts = elem.find("{%s}timestamp" % PIDF_NS)
        self.timestamp = ts.text if ts is not None else None

    @property
    def note(self):
        """The note without xml:lang, else the first one; None if none."""
        if not self.notes:
            return None
        return self.notes.get(None, next(iter(self.notes.values())))

    @property
    def note_lang(self):
        """xml:lang of the first note (None when absent)."""
        return next(iter(self.notes)) if self.notes else None

    def __repr__(self):
        return "<tuple %s %s show=%s note=%r prio=%s>" % (
            self.id, self.basic, self.show, self.note, self.priority)


class Pidf:
    """A parsed PIDF document: entity, tuples, RPID activities."""

    def __init__(self, text):
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        self.text = text
        # ElementTree refuses a str with an encoding declaration.
        root = ET.fromstring(text.encode("utf-8"))
        if root.tag != "{%s}presence" % PIDF_NS:
            raise ValueError("not a PIDF document: root %s" % root.tag)
        self.entity = root.get("entity")
        self.tuples = [PidfTuple(t) for t in root.findall("{%s}tuple"
                                                         % PIDF_NS)]
        self.activities = []
        for person in root.findall("{%s}person" % DM_NS):
            for acts in person.findall("{%s}activities" % RPID_NS):
                for a in acts:
                    self.activities.append(a.tag.split("}", 1)[-1])
        self.notes = {n.get(XML_LANG): n.text or ""
                      for n in root.findall("{%s}note" % PIDF_NS)}

    def tuple(self, tid):
        """The tuple with that id, or None."""
        for t in self.tuples:
            if t.id == tid:
                return t
        return None

    @property
    def basics(self):
        """{tuple id: basic}."""
        return {t.id: t.basic for t in self.tuples}

    def __repr__(self):
        return "<Pidf %s %r activities=%r>" % (self.entity, self.tuples,
                                              self.activities)


def parse_pidf(text):
    """Pidf for a body, or None for an empty body."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text.strip():
        return None
    return Pidf(text)


# ---- the shared test bed ---------------------------------------------------

# Gateway [presence] options for tests: short retry so recovery shows within
# a test's patience; everything else as shipped.
TEST_PRESENCE_OPTIONS = {
    "subscribe_expires": "600",
    "retry_s": "2",
    "probe_timeout_ms": "1000",
}


class PresenceBed:
    """Kamailio (registrar, proxy, presence server) + the usual Deployment
    with Kamailio as the gateway's outbound proxy; romeo's UA (d.ua) uses
    Kamailio as its proxy and is registered. sip_user() adds more UAs."""

    def __init__(self, name, gateway_options=None, users=None,
                 juliet_resource="balcony", register_romeo=True):
        from . import util
        from .gateway import Deployment, USERS
        from .kamailio import Kamailio
        self.k_port = util.free_port()
        self.gw_port = util.free_port()
        opts = {"presence": dict(TEST_PRESENCE_OPTIONS)}
        for sec, kv in (gateway_options or {}).items():
            opts.setdefault(sec, {}).update(kv)
        self.d = Deployment(name, users=users or USERS,
                            outbound_proxy=("127.0.0.1", self.k_port, "udp"),
                            sip_port=self.gw_port, gateway_options=opts,
                            juliet_resource=juliet_resource)
        self.k = Kamailio(os.path.join(self.d.dir, "kamailio"),
                          domain="sip.test", port=self.k_port,
                          routes={"xmpp.test": ("127.0.0.1", self.gw_port,
                                                "udp")},
                          presence=True)
        self.uas = []
        self.register_romeo = register_romeo

    @property
    def gateway(self):
        return self.d.gateway

    @property
    def juliet(self):
        return self.d.juliet

    @property
    def romeo(self):
        """romeo@sip.test's scripted UA."""
        return self.d.ua

    def start(self):
        self.k.start()
        self.d.start()
        self.d.ua.proxy = self.k.addr
        if self.register_romeo:
            r = self.d.ua.register("sip:sip.test", target=self.k.addr)
            if r is None or r.status != 200:
                raise RuntimeError("romeo's REGISTER at Kamailio: %r"
                                   % (r,))
        return self

    def sip_user(self, name, register=True):
        """Another scripted SIP UA name@sip.test behind Kamailio."""
        from .sip_ua import SipUA
        ua = SipUA(user=name, domain="sip.test")
        ua.proxy = self.k.addr
        self.uas.append(ua)
        if register:
            r = ua.register("sip:sip.test", target=self.k.addr)
            if r is None or r.status != 200:
                raise RuntimeError("%s's REGISTER: %r" % (name, r))
        return ua

    def kamailio_log(self, start=0):
        """Kamailio's log text from byte offset start."""
        from . import util
        return util.read_text(self.k.log_path)[start:]

    def stop(self):
        """Stop everything; raise if the gateway did not exit cleanly."""
        for ua in self.uas:
            ua.close()
        try:
            self.d.stop()
        finally:
            self.k.stop()


def is_from(jid, type_="any"):
    """Predicate on XmppPresence: from jid (bare, or full if it has a
    resource) and of type type_ (None: available; 'any': whatever)."""
    def pred(p):
        if "/" in jid:
            if p.from_ != jid:
                return False
        elif p.bare_from != jid:
            return False
        return type_ == "any" or p.type == type_
    return pred
