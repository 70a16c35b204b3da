/*
 * SIGHUP: reloading the mapping table without stopping the event loop.
 */
#ifndef SIPXMPP_MAPPING_RELOAD_H
#define SIPXMPP_MAPPING_RELOAD_H

struct gateway;
struct mapping_reload;

struct mapping_reload	*mapping_reload_new(struct gateway *gw);
void			 mapping_reload_start(struct mapping_reload *mr);
int			 mapping_reload_running(const struct mapping_reload *mr);
void			 mapping_reload_free(struct mapping_reload *mr);

#endif
