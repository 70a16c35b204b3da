-- sipxmpp: let sipxmppd join Prosody as an external component (XEP-0114).
--
-- Add this to your prosody.cfg.lua (or put it in conf.d/), replacing
-- sip.example.com with the domain under which SIP users shall appear as
-- JIDs (user@sip.example.com) and the secret with a long random string.
-- The same domain and secret go into sipxmppd.conf:
--
--   [xmpp]
--   host = 127.0.0.1
--   port = 5347
--   component = sip.example.com
--   secret = <the same secret>
--
-- XEP-0114 has no TLS: keep the component port on loopback or a private
-- network you trust.

-- Where components connect (global section). Loopback only.
component_ports = { 5347 }
component_interfaces = { "127.0.0.1", "::1" }

-- Prosody 0.12 leaves Nagle's algorithm on: small stanzas then wait for
-- the peer's delayed ACK (~40 ms each on loopback). Turn it off.
network_settings = {
	nagle = false;
}

-- The gateway's domain. It must resolve for remote XMPP servers too if
-- users elsewhere shall write to SIP users (an SRV record
-- _xmpp-server._tcp.sip.example.com pointing at this Prosody).
Component "sip.example.com"
	component_secret = "change me: a long random secret"
	-- Stanzas sipxmppd receives are bounded by its own max_stanza_bytes;
	-- keep Prosody's limit for components in line with it.
	-- (RFC 3428 pager-mode MESSAGEs are 1300 bytes at most anyway.)

-- Offline storage makes messages from SIP users reach XMPP users that are
-- not logged in; sipxmppd answers SIP 200 once Prosody has taken the
-- message, so offline storage is what makes that 200 mean "will arrive".
-- modules_enabled = { ...; "offline"; ... }
