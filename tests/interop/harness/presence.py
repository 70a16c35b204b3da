"""PIDF documents for the presence interop tests: build what a SIP UA
publishes (RFC 3863 PIDF, RFC 4480 RPID activities in an RFC 4479 person
element) and read what a notifier sends, reduced to the fields the tests
check (RFC 8048 §6: tuple id, basic, note with xml:lang, contact priority,
an embedded XMPP <show/>, RPID activities).

Pure Python, no sockets.
"""

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
