/* mmauthparse.c - rsyslog message modification module: recognises the
 * authentication events of mail and hosting daemons, enriches them (address
 * scope, geo, attack detection) and attaches one JSON object per event to
 * the message (container, default $!auth).  Attempted passwords are cut out
 * of the message text.
 *
 * This is the only file that sees rsyslog's headers; all the work is done
 * by the core (core/authparse.h).
 *
 * Concurrency and locking: the action instance (instanceData) holds one
 * ap_ctx, read-only after creation except for what the core documents
 * (atomic counters, geo databases swapped under a rwlock on HUP, detection
 * state under sharded locks).  Each worker instance holds its own ap_worker
 * (the geo cache) and is used by one thread at a time.  Nothing else is
 * shared.
 *
 * Incidents.  When an incident closes, the core's background thread (one
 * per action, started at activation, after rsyslogd has forked) calls
 * closeIncident(), which builds a message of its own with
 * submitOwnMessage() (tag "mmauthparse:",
 * facility auth, severity notice, the close event in the action's
 * container) and submits it to the ruleset named by incidents.ruleset (the
 * default ruleset when none is named), as inputs do: msgConstruct, then
 * ratelimitAddMsg.  Once rsyslogd has begun to stop its inputs
 * (glbl.GetGlobalInputTermState) nothing more is submitted: the queues go
 * away next, and freeInstance stops the thread.
 *
 * The cluster tier (cluster.* parameters, core/cluster/cluster.h).  The
 * core owns the tier's background thread (async mode); this module says
 * when it runs: ap_cluster_start() at activation, after rsyslogd has
 * forked, and ap_cluster_free() in freeInstance, which stops it after one
 * last batch.  Each worker instance has its own ap_cluster_worker (its
 * connection in sync mode).  A crossing reported by the tier becomes a
 * message of its own, built by submitClusterIncident() through the same
 * submitOwnMessage() (on the tier's
 * thread in async mode, on the worker's in sync mode) and submitted to
 * cluster.ruleset as inputs do it (msgConstruct, ratelimitAddMsg, with a
 * thread-safe rate limiter); nothing is submitted once rsyslogd has begun
 * to stop its inputs.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "config.h"
#include "rsyslog.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "conf.h"
#include "syslogd-types.h"
#include "template.h"
#include "module-template.h"
#include "errmsg.h"
#include "parserif.h"
#include "msg.h"
#include "datetime.h"
#include "statsobj.h"
#include "ruleset.h"
#include "ratelimit.h"
#include "prop.h"
#include "glbl.h"
#include "dirty.h"
#include "authparse.h"
#include "cluster/cluster.h"

MODULE_TYPE_OUTPUT
MODULE_TYPE_NOKEEP
MODULE_CNFNAME("mmauthparse")

DEF_OMOD_STATIC_DATA
DEFobjCurrIf(datetime)
DEFobjCurrIf(statsobj)
DEFobjCurrIf(ruleset)
DEFobjCurrIf(prop)
DEFobjCurrIf(glbl)

#define DFLT_CONTAINER "!auth"

typedef enum { TIME_MESSAGE = 0, TIME_RECEPTION } timesource_t;

typedef struct _instanceData {
	uchar *container;
	/* the default container, "!auth": its event is handed to rsyslog as
	 * the whole $! tree when the message holds none yet (doAction) */
	sbool rootAuth;
	ap_ctx *ctx;
	sbool reloadOnHup;
	timesource_t timeSource;
	/* input="event": the event an edge collector attached, not the text */
	sbool inputEvent;
	msgPropDescr_t *containerProp; /* input="event": the container to read */
	statsobj_t *stats;
	/* counters that are not plain core counters */
	intctr_t ctrFailed; /* JSON could not be attached */
	/* incidents: where close messages go (NULL: the default ruleset) */
	uchar *incRulesetName;
	ruleset_t *incRuleset;
	ratelimit_t *ratelimiter;
	struct _instanceData *next; /* the actions of one configuration */
	/* the cluster tier (NULL: none): where its incidents go */
	ap_cluster *cluster;
	uchar *clusterRulesetName; /* NULL: the default ruleset */
	ruleset_t *clusterRuleset;
	ratelimit_t *clusterRatelimiter;
	struct _instanceData *clusterNext; /* the cluster actions of one configuration */
} instanceData;

typedef struct wrkrInstanceData {
	instanceData *pData;
	ap_worker *w;
	ap_cluster_worker *cw;    /* cluster tier: this worker's connection (sync) */
	struct json_tokener *tok; /* input="event": the parser of JSON bodies, made
				   * at the first one, reset for each next one */
} wrkrInstanceData_t;

struct modConfData_s {
	rsconf_t *pConf;
	instanceData *root;        /* this configuration's actions */
	instanceData *clusterRoot; /* this configuration's actions with a cluster tier */
};
static modConfData_t *loadModConf = NULL;
static modConfData_t *runModConf = NULL;
static prop_t *pInputName = NULL; /* $inputname of close and cluster incident messages */

/* action parameters */
static struct cnfparamdescr actpdescr[] = {
	{ "container", eCmdHdlrGetWord, 0 },
	{ "programs", eCmdHdlrArray, 0 },
	{ "redactpasswords", eCmdHdlrBinary, 0 },
	{ "geoip.files", eCmdHdlrArray, 0 },
	{ "geoip.language", eCmdHdlrGetWord, 0 },
	{ "geoip.cachesize", eCmdHdlrNonNegInt, 0 },
	{ "reloadonhup", eCmdHdlrBinary, 0 },
	{ "detect", eCmdHdlrBinary, 0 },
	{ "detect.maxkeys", eCmdHdlrPositiveInt, 0 },
	{ "detect.statefile", eCmdHdlrGetWord, 0 },
	{ "detect.stateinterval", eCmdHdlrNonNegInt, 0 },
	{ "detect.timesource", eCmdHdlrGetWord, 0 },
	{ "bruteforce.threshold", eCmdHdlrNonNegInt, 0 },
	{ "bruteforce.window", eCmdHdlrPositiveInt, 0 },
	{ "dictionary.threshold", eCmdHdlrNonNegInt, 0 },
	{ "dictionary.window", eCmdHdlrPositiveInt, 0 },
	{ "distributed.threshold", eCmdHdlrNonNegInt, 0 },
	{ "distributed.window", eCmdHdlrPositiveInt, 0 },
	{ "compromise.threshold", eCmdHdlrNonNegInt, 0 },
	{ "compromise.window", eCmdHdlrPositiveInt, 0 },
	{ "insecure", eCmdHdlrBinary, 0 },
	{ "trustedproxies", eCmdHdlrArray, 0 },
	{ "fields", eCmdHdlrArray, 0 },
	{ "incidents.ruleset", eCmdHdlrGetWord, 0 },
	{ "stale.threshold", eCmdHdlrNonNegInt, 0 },
	{ "stale.window", eCmdHdlrPositiveInt, 0 },
	{ "stale.suppress", eCmdHdlrBinary, 0 },
	{ "bruteforce.resetonsuccess", eCmdHdlrBinary, 0 },
	{ "input", eCmdHdlrGetWord, 0 },
	/* the cluster tier */
	{ "cluster.mode", eCmdHdlrGetWord, 0 },
	{ "cluster.redis", eCmdHdlrGetWord, 0 },
	{ "cluster.prefix", eCmdHdlrGetWord, 0 },
	{ "cluster.user", eCmdHdlrGetWord, 0 },
	{ "cluster.password", eCmdHdlrGetWord, 0 },
	{ "cluster.node", eCmdHdlrGetWord, 0 },
	{ "cluster.ruleset", eCmdHdlrGetWord, 0 },
	{ "cluster.timeout", eCmdHdlrPositiveInt, 0 },
	{ "cluster.connecttimeout", eCmdHdlrPositiveInt, 0 },
	{ "cluster.queuesize", eCmdHdlrPositiveInt, 0 },
	{ "cluster.batchsize", eCmdHdlrPositiveInt, 0 },
	{ "cluster.flushinterval", eCmdHdlrPositiveInt, 0 },
	{ "cluster.bruteforce.threshold", eCmdHdlrNonNegInt, 0 },
	{ "cluster.bruteforce.window", eCmdHdlrPositiveInt, 0 },
	{ "cluster.dictionary.threshold", eCmdHdlrNonNegInt, 0 },
	{ "cluster.dictionary.window", eCmdHdlrPositiveInt, 0 },
	{ "cluster.distributed.threshold", eCmdHdlrNonNegInt, 0 },
	{ "cluster.distributed.window", eCmdHdlrPositiveInt, 0 },
};
static struct cnfparamblk actpblk = { CNFPARAMBLK_VERSION,
				      sizeof(actpdescr) / sizeof(struct cnfparamdescr), actpdescr };

/* rsyslogd's own flag for `rsyslogd -N<level>` (exported by rsyslogd,
 * declared in its dirty.h) */
extern int iConfigVerify;

/* the core reports through this callback: errors go to rsyslog's log.
 * A warning (a geo file that cannot be used yet) must not fail the
 * configuration: rsyslogd treats any error logged during start-up as one,
 * and prints only errors during `-N1`, so a warning is logged as a warning
 * and, during a config check, also printed on stderr */
static void coreLog(void *cookie, ap_loglevel lvl, const char *msg)
{
	(void)cookie;
	if (lvl <= AP_LOG_ERR) {
		LogError(0, RS_RET_ERR, "mmauthparse: %s", msg);
	} else if (lvl <= AP_LOG_WARNING) {
		LogMsg(0, RS_RET_OK_WARN, LOG_WARNING, "mmauthparse: warning: %s", msg);
		if (iConfigVerify)
			fprintf(stderr, "rsyslogd: mmauthparse: warning: %s\n", msg);
	} else {
		LogMsg(0, RS_RET_OK, LOG_INFO, "mmauthparse: %s", msg);
	}
}

BEGINbeginCnfLoad
	CODESTARTbeginCnfLoad
	loadModConf = pModConf;
	pModConf->pConf = pConf;
ENDbeginCnfLoad

BEGINendCnfLoad
	CODESTARTendCnfLoad
ENDendCnfLoad

/* incidents.ruleset and cluster.ruleset name rulesets of this configuration
 * (rulesets may be defined after the action, so they are looked up once
 * the whole configuration is read) */
BEGINcheckCnf
	CODESTARTcheckCnf
	for (instanceData *p = pModConf->root; p != NULL; p = p->next) {
		if (p->incRulesetName == NULL)
			continue;
		if (ruleset.GetRuleset(pModConf->pConf, &p->incRuleset, p->incRulesetName)
		    != RS_RET_OK) {
			LogError(0, RS_RET_RULESET_NOT_FOUND,
				 "mmauthparse: incidents.ruleset: ruleset '%s' not found",
				 p->incRulesetName);
			iRet = RS_RET_RULESET_NOT_FOUND;
		}
	}
	for (instanceData *p = pModConf->clusterRoot; p != NULL; p = p->clusterNext) {
		if (p->clusterRulesetName == NULL)
			continue;
		if (ruleset.GetRuleset(pModConf->pConf, &p->clusterRuleset, p->clusterRulesetName)
		    != RS_RET_OK) {
			LogError(0, RS_RET_RULESET_NOT_FOUND,
				 "mmauthparse: cluster.ruleset: ruleset '%s' not found",
				 p->clusterRulesetName);
			iRet = RS_RET_RULESET_NOT_FOUND;
		}
	}
ENDcheckCnf

/* after rsyslogd has forked: start each action's detection thread
 * (incident closes, periodic state file) and each cluster tier's thread */
BEGINactivateCnf
	CODESTARTactivateCnf
	runModConf = pModConf;
	for (instanceData *p = pModConf->root; p != NULL; p = p->next) {
		ap_status st = ap_ctx_start(p->ctx);
		if (st != AP_OK)
			LogError(0, RS_RET_ERR,
				 "mmauthparse: cannot start the detection thread: %s; incidents "
				 "will not close and the state file is written at shutdown only",
				 ap_strerror(st));
	}
	for (instanceData *p = pModConf->clusterRoot; p != NULL; p = p->clusterNext) {
		ap_status st = ap_cluster_start(p->cluster);
		if (st != AP_OK)
			LogError(0, RS_RET_ERR,
				 "mmauthparse: cannot start the cluster tier: %s; local detection "
				 "goes on",
				 ap_strerror(st));
	}
ENDactivateCnf

BEGINfreeCnf
	CODESTARTfreeCnf
ENDfreeCnf

BEGINcreateInstance
	CODESTARTcreateInstance
ENDcreateInstance

BEGINcreateWrkrInstance
	CODESTARTcreateWrkrInstance
	pWrkrData->w = ap_worker_new(pData->ctx);
	if (pWrkrData->w == NULL) {
		LogError(0, RS_RET_OUT_OF_MEMORY, "mmauthparse: cannot create worker state");
		ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
	}
	if (pData->cluster != NULL) {
		pWrkrData->cw = ap_cluster_worker_new(pData->cluster);
		if (pWrkrData->cw == NULL) {
			LogError(0, RS_RET_OUT_OF_MEMORY,
				 "mmauthparse: cannot create the cluster worker state");
			ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
		}
	}
finalize_it:
ENDcreateWrkrInstance

BEGINisCompatibleWithFeature
	CODESTARTisCompatibleWithFeature
ENDisCompatibleWithFeature

BEGINfreeInstance
	CODESTARTfreeInstance
	/* first: its thread submits incidents with this instance's ruleset */
	ap_cluster_free(pData->cluster);
	if (pData->clusterRatelimiter != NULL)
		ratelimitDestruct(pData->clusterRatelimiter);
	free(pData->clusterRulesetName);
	if (pData->containerProp != NULL) {
		msgPropDescrDestruct(pData->containerProp);
		free(pData->containerProp);
	}
	ap_ctx_free(pData->ctx); /* stops its thread, writes detect.stateFile */
	if (pData->stats != NULL)
		statsobj.Destruct(&pData->stats);
	if (pData->ratelimiter != NULL)
		ratelimitDestruct(pData->ratelimiter);
	free(pData->incRulesetName);
	free(pData->container);
ENDfreeInstance

BEGINfreeWrkrInstance
	CODESTARTfreeWrkrInstance
	ap_cluster_worker_free(pWrkrData->cw);
	ap_worker_free(pWrkrData->w);
	if (pWrkrData->tok != NULL)
		json_tokener_free(pWrkrData->tok);
ENDfreeWrkrInstance

BEGINdbgPrintInstInfo
	CODESTARTdbgPrintInstInfo
	dbgprintf("mmauthparse: container %s\n", pData->container);
ENDdbgPrintInstInfo

BEGINtryResume
	CODESTARTtryResume
ENDtryResume

/* an estr array parameter as a NULL-terminated C string array */
/* a numeric parameter into 32 bits, refused above its documented maximum
 * (rsyslog hands over 64 bits: 99999999999999 must not wrap) */
static rsRetVal u32Param(long long v, const char *name, uint32_t max, uint32_t *out)
{
	if (v < 0 || (unsigned long long)v > max) {
		parser_errmsg("mmauthparse: %s: %lld is out of range (at most %u)", name, v, max);
		return RS_RET_INVALID_PARAMS;
	}
	*out = (uint32_t)v;
	return RS_RET_OK;
}

static rsRetVal arrayParam(struct cnfarray *ar, char ***out, size_t *n)
{
	DEFiRet;
	char **v = NULL;
	CHKmalloc(v = calloc((size_t)ar->nmemb + 1, sizeof(char *)));
	for (int i = 0; i < ar->nmemb; i++)
		CHKmalloc(v[i] = es_str2cstr(ar->arr[i], NULL));
	*out = v;
	*n = (size_t)ar->nmemb;
	v = NULL;
finalize_it:
	if (v != NULL) {
		for (int i = 0; i < ar->nmemb; i++)
			free(v[i]);
		free(v);
	}
	RETiRet;
}

static void freeArray(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* "<detector>.<field>": the detector (names from the core), -1 if none */
static int detectorOf(const char *pname, const char **field)
{
	for (int d = 0; d < AP_DET__COUNT; d++) {
		const char *name = ap_detector_name((ap_detector)d);
		size_t l = strlen(name);
		if (!strncmp(pname, name, l) && pname[l] == '.') {
			*field = pname + l + 1;
			return d;
		}
	}
	return -1;
}

/* after impstats read the counters: the workers' own counts of every line
 * are added to the action's (the core keeps them per worker so that the
 * workers do not share a cache line per line; a busy worker adds them
 * itself every 1024 lines), so the next read sees them */
static void statsRead(statsobj_t *o, void *arg)
{
	instanceData *pData = arg;
	(void)o;
	(void)ap_ctx_stats(pData->ctx);
}

/* impstats counters: one set per action */
static rsRetVal setupStats(instanceData *pData)
{
	DEFiRet;
	static int nAction = 0;
	char name[64];
	ap_stats *st = ap_ctx_stats(pData->ctx);
	int n = __atomic_add_fetch(&nAction, 1, __ATOMIC_RELAXED);

	if (n == 1)
		snprintf(name, sizeof(name), "mmauthparse");
	else
		snprintf(name, sizeof(name), "mmauthparse-%d", n);
	CHKiRet(statsobj.Construct(&pData->stats));
	CHKiRet(statsobj.SetName(pData->stats, (uchar *)name));
	CHKiRet(statsobj.SetOrigin(pData->stats, (uchar *)"mmauthparse"));
	/* counters honour impstats' resetCounters="on"; the detect.keys gauge
	 * (a 64-bit value: ctrType_IntCtr, not the int of ctrType_Int) does not */
#define CTR(label, field, type)                                                   \
	CHKiRet(statsobj.AddCounter(pData->stats, (const uchar *)(label), (type), \
				    CTR_FLAG_RESETTABLE, (intctr_t *)(field)))
	CTR("parsed", &st->parsed, ctrType_IntCtr);
	CTR("unparsed", &st->unparsed, ctrType_IntCtr);
	CTR("outcome.success", &st->outcome[AP_OUT_SUCCESS], ctrType_IntCtr);
	CTR("outcome.failure", &st->outcome[AP_OUT_FAILURE], ctrType_IntCtr);
	CTR("outcome.unknown", &st->outcome[AP_OUT_UNKNOWN], ctrType_IntCtr);
	CTR("blocks", &st->outcome[0], ctrType_IntCtr);
	CTR("redacted", &st->redacted, ctrType_IntCtr);
	CTR("geo.hits", &st->geo_hits, ctrType_IntCtr);
	CTR("geo.misses", &st->geo_misses, ctrType_IntCtr);
	CTR("geo.reloads", &st->geo_reloads, ctrType_IntCtr);
	for (int d = 0; d < AP_DET__COUNT; d++) {
		/* counter names must outlive the statsobj: built once, from the
		 * core's names, into a static table (actions are created one at
		 * a time, during the configuration load) */
		static char an[AP_DET__COUNT][32];
		if (an[d][0] == '\0')
			snprintf(an[d], sizeof(an[d]), "alerts.%s",
				 ap_detector_name((ap_detector)d));
		CTR(an[d], &st->alerts[d], ctrType_IntCtr);
	}
	for (int d = 0; d < AP_DET__COUNT; d++) {
		static char on[AP_DET__COUNT][48], cn[AP_DET__COUNT][48];
		if (on[d][0] == '\0') {
			snprintf(on[d], sizeof(on[d]), "incidents.opened.%s",
				 ap_detector_name((ap_detector)d));
			snprintf(cn[d], sizeof(cn[d]), "incidents.closed.%s",
				 ap_detector_name((ap_detector)d));
		}
		CTR(on[d], &st->incidents_opened[d], ctrType_IntCtr);
		CTR(cn[d], &st->incidents_closed[d], ctrType_IntCtr);
	}
	CHKiRet(statsobj.AddCounter(pData->stats, (const uchar *)"detect.keys", ctrType_IntCtr,
				    CTR_FLAG_NONE, (intctr_t *)&st->detect_keys));
	CTR("detect.evictions", &st->detect_evictions, ctrType_IntCtr);
	CTR("ambiguous", &st->ambiguous, ctrType_IntCtr);
	CTR("uncounted", &st->uncounted, ctrType_IntCtr);
	for (int f = 1; f < AP_FAM__COUNT; f++) {
		static char fnames[AP_FAM__COUNT][40];
		snprintf(fnames[f], sizeof(fnames[f]), "family.%s", ap_family_name((ap_family)f));
		CTR(fnames[f], &st->family[f], ctrType_IntCtr);
	}
	CTR("failed", &pData->ctrFailed, ctrType_IntCtr);
	if (pData->cluster != NULL) {
		ap_cluster_stats *cs = ap_cluster_stats_of(pData->cluster);
		CTR("cluster.sent", &cs->sent, ctrType_IntCtr);
		CTR("cluster.batches", &cs->batches, ctrType_IntCtr);
		CTR("cluster.errors", &cs->errors, ctrType_IntCtr);
		CTR("cluster.timeouts", &cs->timeouts, ctrType_IntCtr);
		CTR("cluster.dropped", &cs->dropped, ctrType_IntCtr);
		CTR("cluster.incidents", &cs->incidents, ctrType_IntCtr);
		CHKiRet(statsobj.AddCounter(pData->stats, (const uchar *)"cluster.connected",
					    ctrType_IntCtr, CTR_FLAG_NONE,
					    (intctr_t *)&cs->connected));
	}
#undef CTR
	CHKiRet(statsobj.SetReadNotifier(pData->stats, statsRead, pData));
	CHKiRet(statsobj.ConstructFinalize(pData->stats));
finalize_it:
	RETiRet;
}

/* a message of the module's own (an incident's close, a cluster
 * incident): tag "mmauthparse:", facility auth, severity notice, this
 * host's name, the text given and the event in the container, submitted
 * into target through limiter; takes json (freed on every path) */
static void submitOwnMessage(instanceData *pData, ruleset_t *target, ratelimit_t *limiter,
			     const char *text, size_t n, struct json_object *json)
{
	smsg_t *m = NULL;
	if (msgConstruct(&m) != RS_RET_OK) {
		json_object_put(json);
		return;
	}
	MsgSetFlowControlType(m, eFLOWCTL_NO_DELAY);
	if (pInputName != NULL)
		MsgSetInputName(m, pInputName);
	MsgSetRawMsg(m, text, n);
	MsgSetMSGoffs(m, 0);
	const uchar *host = glbl.GetLocalHostName();
	MsgSetHOSTNAME(m, host, (int)strlen((const char *)host));
	MsgSetTAG(m, (const uchar *)"mmauthparse:", sizeof("mmauthparse:") - 1);
	msgSetPRI(m, LOG_AUTH | LOG_NOTICE);
	MsgSetRuleset(m, target);
	if (msgAddJSON(m, pData->container, json, 0, 0) != RS_RET_OK) { /* owns json */
		msgDestruct(&m);
		return;
	}
	ratelimitAddMsg(limiter, NULL, m);
}

/* an incident closed: a message of its own into incidents.ruleset (called
 * from the core's detection thread) */
static void closeIncident(void *arg, const ap_incident_close *c)
{
	instanceData *pData = arg;
	char text[512];
	char ipbuf[64] = "";
	if (glbl.GetGlobalInputTermState())
		return; /* shutting down: the queues go away next */
	struct json_object *json = ap_incident_json(c);
	if (json == NULL)
		return;
	if (c->ip.family != 0)
		ap_addr_format(&c->ip, ipbuf, sizeof(ipbuf));
	const char *det = ap_detector_name((ap_detector)c->detector);
	int n = snprintf(text, sizeof(text), "incident closed: %s %s%s%s%s count=%u window=%u",
			 det ? det : "?", ipbuf[0] ? "ip=" : "", ipbuf,
			 c->key != AP_KEY_IP ? (ipbuf[0] ? " user=" : "user=") : "",
			 c->key != AP_KEY_IP ? c->user : "", c->inc.count, c->window);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;
	submitOwnMessage(pData, pData->incRuleset, pData->ratelimiter, text, (size_t)n, json);
}

/* ------------------------------------------------------------------ */
/* the cluster tier                                                    */

/* the cluster.* parameters of one action */
typedef struct clusterParams {
	ap_cluster_config cfg;
	char *mode, *redis, *prefix, *user, *password, *node, *ruleset;
	int any; /* a cluster.* parameter was given */
} clusterParams;

static void clusterParamsFree(clusterParams *cp)
{
	free(cp->mode);
	free(cp->redis);
	free(cp->prefix);
	free(cp->user);
	free(cp->password);
	free(cp->node);
	free(cp->ruleset);
}

/* one cluster.* parameter (pname starts with "cluster.") */
static rsRetVal clusterParam(clusterParams *cp, const char *pname, struct cnfparamvals *v)
{
	DEFiRet;
	const char *f = pname + sizeof("cluster.") - 1;
	const char *field;
	char **str = NULL;
	int d;
	cp->any = 1;
	if (!strcmp(f, "mode")) {
		str = &cp->mode;
	} else if (!strcmp(f, "redis")) {
		str = &cp->redis;
	} else if (!strcmp(f, "prefix")) {
		str = &cp->prefix;
	} else if (!strcmp(f, "user")) {
		str = &cp->user;
	} else if (!strcmp(f, "password")) {
		str = &cp->password;
	} else if (!strcmp(f, "node")) {
		str = &cp->node;
	} else if (!strcmp(f, "ruleset")) {
		str = &cp->ruleset;
	} else if (!strcmp(f, "timeout")) {
		CHKiRet(u32Param(v->val.d.n, "cluster.timeout", AP_CLUSTER_MAX_TIMEOUT,
				 &cp->cfg.timeout_ms));
	} else if (!strcmp(f, "connecttimeout")) {
		CHKiRet(u32Param(v->val.d.n, "cluster.connectTimeout", AP_CLUSTER_MAX_TIMEOUT,
				 &cp->cfg.connect_timeout_ms));
	} else if (!strcmp(f, "queuesize")) {
		CHKiRet(u32Param(v->val.d.n, "cluster.queueSize", AP_CLUSTER_MAX_QUEUE,
				 &cp->cfg.queue_size));
	} else if (!strcmp(f, "batchsize")) {
		CHKiRet(u32Param(v->val.d.n, "cluster.batchSize", AP_CLUSTER_MAX_BATCH,
				 &cp->cfg.batch_size));
	} else if (!strcmp(f, "flushinterval")) {
		CHKiRet(u32Param(v->val.d.n, "cluster.flushInterval", AP_CLUSTER_MAX_TIMEOUT,
				 &cp->cfg.flush_ms));
	} else if ((d = detectorOf(f, &field)) >= 0) {
		int thr = !strcmp(field, "threshold");
		CHKiRet(u32Param(v->val.d.n, pname, thr ? AP_MAX_THRESHOLD : AP_MAX_WINDOW,
				 thr ? &cp->cfg.det[d].threshold : &cp->cfg.det[d].window));
	}
	if (str != NULL) {
		free(*str);
		CHKmalloc(*str = es_str2cstr(v->val.d.estr, NULL));
	}
finalize_it:
	RETiRet;
}

/* a cluster incident: a message of its own into cluster.ruleset (called
 * on the cluster tier's thread in async mode, on a worker's in sync mode) */
static void submitClusterIncident(void *arg, const ap_cluster_incident *inc)
{
	instanceData *pData = arg;
	char text[1024];
	if (glbl.GetGlobalInputTermState())
		return; /* shutting down: the queues go away next */
	struct json_object *json = ap_cluster_incident_json(inc);
	if (json == NULL)
		return;
	size_t n = ap_cluster_incident_text(inc, text, sizeof(text));
	submitOwnMessage(pData, pData->clusterRuleset, pData->clusterRatelimiter, text, n, json);
}

/* the action's cluster tier from its cluster.* parameters (none without
 * cluster.redis) */
static rsRetVal clusterSetup(instanceData *pData, clusterParams *cp)
{
	DEFiRet;
	char host[256];
	if (cp->redis == NULL) {
		if (cp->any) {
			parser_errmsg("mmauthparse: the cluster.* parameters need cluster.redis "
				      "(the Redis server: host:port or a socket path)");
			ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
		}
		FINALIZE;
	}
	if (cp->mode != NULL) {
		int mode = ap_cluster_mode_from_name(cp->mode);
		if (mode < 0) {
			parser_errmsg("mmauthparse: cluster.mode '%s' is neither \"async\" nor "
				      "\"sync\"",
				      cp->mode);
			ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
		}
		cp->cfg.mode = (ap_cluster_mode)mode;
	}
	if (cp->node == NULL) {
		/* the host name, as rsyslog shows it (up to the first dot) */
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		char *dot = strchr(host, '.');
		if (dot != NULL && dot != host)
			*dot = '\0';
		CHKmalloc(cp->node = strdup(host));
	}
	cp->cfg.redis = cp->redis;
	if (cp->prefix != NULL)
		cp->cfg.prefix = cp->prefix;
	cp->cfg.user = cp->user;
	cp->cfg.password = cp->password;
	cp->cfg.node = cp->node;
	cp->cfg.incident = submitClusterIncident;
	cp->cfg.incident_arg = pData;
	ap_status st = ap_cluster_open(&cp->cfg, coreLog, NULL, &pData->cluster);
	if (st != AP_OK) {
		parser_errmsg("mmauthparse: cannot set up the cluster tier: %s (see the previous "
			      "message)",
			      ap_strerror(st));
		ABORT_FINALIZE(st == AP_E_NOMEM ? RS_RET_OUT_OF_MEMORY : RS_RET_INVALID_PARAMS);
	}
	pData->clusterRulesetName = (uchar *)cp->ruleset;
	cp->ruleset = NULL;
	CHKiRet(ratelimitNew(&pData->clusterRatelimiter, "mmauthparse", "cluster"));
	ratelimitSetThreadSafe(pData->clusterRatelimiter);
	pData->clusterNext = loadModConf->clusterRoot;
	loadModConf->clusterRoot = pData;
finalize_it:
	RETiRet;
}

BEGINnewActInst
	struct cnfparamvals *pvals;
	ap_config cfg;
	char **programs = NULL, **geofiles = NULL, **proxies = NULL, **fields = NULL;
	size_t nprograms = 0, ngeofiles = 0, nproxies = 0, nfields = 0;
	char *lang = NULL, *statefile = NULL;
	clusterParams cp;
	int i;
	memset(&cp, 0, sizeof(cp));
	ap_cluster_config_defaults(&cp.cfg);
	CODESTARTnewActInst
	if ((pvals = nvlstGetParams(lst, &actpblk, NULL)) == NULL)
		ABORT_FINALIZE(RS_RET_MISSING_CNFPARAMS);
	CODE_STD_STRING_REQUESTnewActInst(1)
		CHKiRet(OMSRsetEntry(*ppOMSR, 0, NULL, OMSR_TPL_AS_MSG));
	CHKiRet(createInstance(&pData));

	ap_config_defaults(&cfg);
	cfg.detect = true; /* the module detects by default; `detect="off"` */
	pData->reloadOnHup = 1;
	pData->timeSource = TIME_MESSAGE;

	for (i = 0; i < actpblk.nParams; ++i) {
		const char *pname = actpblk.descr[i].name;
		const char *field;
		int d;
		if (!pvals[i].bUsed)
			continue;
		if (!strcmp(pname, "container")) {
			char *c = es_str2cstr(pvals[i].val.d.estr, NULL);
			CHKmalloc(c);
			if (c[0] != '!' && c[0] != '.' && c[0] != '/') {
				parser_errmsg(
					"mmauthparse: container '%s' must start with '!', '.' or "
					"'/' "
					"(a message, local or global variable, e.g. \"!auth\")",
					c);
				free(c);
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
			free(pData->container);
			pData->container = (uchar *)c;
		} else if (!strcmp(pname, "incidents.ruleset")) {
			free(pData->incRulesetName);
			CHKmalloc(pData->incRulesetName = (uchar *)es_str2cstr(pvals[i].val.d.estr,
									       NULL));
		} else if (!strcmp(pname, "input")) {
			char *v = es_str2cstr(pvals[i].val.d.estr, NULL);
			CHKmalloc(v);
			if (!strcasecmp(v, "text") || !strcasecmp(v, "event")) {
				pData->inputEvent = !strcasecmp(v, "event");
				free(v);
			} else {
				parser_errmsg("mmauthparse: input '%s' is neither \"text\" nor "
					      "\"event\"",
					      v);
				free(v);
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
		} else if (!strcmp(pname, "trustedproxies")) {
			CHKiRet(arrayParam(pvals[i].val.d.ar, &proxies, &nproxies));
		} else if (!strcmp(pname, "fields")) {
			CHKiRet(arrayParam(pvals[i].val.d.ar, &fields, &nfields));
		} else if (!strcmp(pname, "programs")) {
			CHKiRet(arrayParam(pvals[i].val.d.ar, &programs, &nprograms));
		} else if (!strcmp(pname, "redactpasswords")) {
			cfg.redact_passwords = pvals[i].val.d.n != 0;
		} else if (!strcmp(pname, "geoip.files")) {
			CHKiRet(arrayParam(pvals[i].val.d.ar, &geofiles, &ngeofiles));
		} else if (!strcmp(pname, "geoip.language")) {
			CHKmalloc(lang = es_str2cstr(pvals[i].val.d.estr, NULL));
		} else if (!strcmp(pname, "geoip.cachesize")) {
			CHKiRet(u32Param(pvals[i].val.d.n, "geoip.cacheSize", AP_MAX_GEO_CACHE,
					 &cfg.geo_cache_size));
		} else if (!strcmp(pname, "reloadonhup")) {
			pData->reloadOnHup = pvals[i].val.d.n != 0;
		} else if (!strcmp(pname, "detect")) {
			cfg.detect = pvals[i].val.d.n != 0;
		} else if (!strcmp(pname, "detect.maxkeys")) {
			CHKiRet(u32Param(pvals[i].val.d.n, "detect.maxKeys", AP_MAX_KEYS,
					 &cfg.detect_max_keys));
		} else if (!strcmp(pname, "detect.stateinterval")) {
			CHKiRet(u32Param(pvals[i].val.d.n, "detect.stateInterval",
					 AP_MAX_STATE_INTERVAL, &cfg.detect_state_interval));
		} else if (!strcmp(pname, "detect.statefile")) {
			CHKmalloc(statefile = es_str2cstr(pvals[i].val.d.estr, NULL));
		} else if (!strcmp(pname, "detect.timesource")) {
			char *ts = es_str2cstr(pvals[i].val.d.estr, NULL);
			CHKmalloc(ts);
			if (!strcasecmp(ts, "message")) {
				pData->timeSource = TIME_MESSAGE;
			} else if (!strcasecmp(ts, "reception")) {
				pData->timeSource = TIME_RECEPTION;
			} else {
				parser_errmsg("mmauthparse: detect.timeSource '%s' is neither "
					      "\"message\" nor \"reception\"",
					      ts);
				free(ts);
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
			free(ts);
		} else if (!strcmp(pname, "stale.suppress")) {
			cfg.stale_suppress = pvals[i].val.d.n != 0;
		} else if (!strcmp(pname, "bruteforce.resetonsuccess")) {
			cfg.bruteforce_reset_on_success = pvals[i].val.d.n != 0;
		} else if (!strncmp(pname, "cluster.", sizeof("cluster.") - 1)) {
			CHKiRet(clusterParam(&cp, pname, &pvals[i]));
		} else if (!strcmp(pname, "insecure")) {
			cfg.det[AP_DET_INSECURE].threshold = pvals[i].val.d.n ? 1 : 0;
		} else if ((d = detectorOf(pname, &field)) >= 0) {
			if (!strcmp(field, "threshold")) {
				CHKiRet(u32Param(pvals[i].val.d.n, pname, AP_MAX_THRESHOLD,
						 &cfg.det[d].threshold));
			} else {
				CHKiRet(u32Param(pvals[i].val.d.n, pname, AP_MAX_WINDOW,
						 &cfg.det[d].window));
			}
		} else {
			dbgprintf("mmauthparse: program error, non-handled param '%s'\n", pname);
		}
	}
	if (pData->container == NULL)
		CHKmalloc(pData->container = (uchar *)strdup(DFLT_CONTAINER));
	pData->rootAuth = strcmp((char *)pData->container, DFLT_CONTAINER) == 0;
	if (pData->inputEvent) {
		CHKmalloc(pData->containerProp = calloc(1, sizeof(msgPropDescr_t)));
		CHKiRet(msgPropDescrFill(pData->containerProp, pData->container,
					 (int)strlen((char *)pData->container)));
	}
	cfg.programs = (const char *const *)programs;
	cfg.nprograms = nprograms;
	cfg.geo_files = (const char *const *)geofiles;
	cfg.ngeo_files = ngeofiles;
	if (lang != NULL)
		cfg.geo_language = lang;
	cfg.detect_state_file = statefile;
	cfg.detect_time_reception = pData->timeSource == TIME_RECEPTION;

	cfg.trusted_proxies = (const char *const *)proxies;
	cfg.ntrusted_proxies = nproxies;
	cfg.fields = (const char *const *)fields;
	cfg.nfields = nfields;
	cfg.incident_close = closeIncident;
	cfg.incident_arg = pData;

	/* the core said what exactly through coreLog */
	ap_status st = ap_ctx_open(&cfg, coreLog, NULL, &pData->ctx);
	if (st != AP_OK) {
		parser_errmsg(
			"mmauthparse: cannot set up the action: %s (see the previous message)",
			ap_strerror(st));
		ABORT_FINALIZE(st == AP_E_NOMEM    ? RS_RET_OUT_OF_MEMORY
			       : st == AP_E_IO     ? RS_RET_IO_ERROR
			       : st == AP_E_CONFIG ? RS_RET_INVALID_PARAMS
						   : RS_RET_ERR);
	}
	CHKiRet(clusterSetup(pData, &cp));
	CHKiRet(setupStats(pData));
	CHKiRet(ratelimitNew(&pData->ratelimiter, "mmauthparse", "incidents"));
	pData->next = loadModConf->root;
	loadModConf->root = pData;
	CODE_STD_FINALIZERnewActInst
	clusterParamsFree(&cp);
	freeArray(programs, nprograms);
	freeArray(geofiles, ngeofiles);
	freeArray(proxies, nproxies);
	freeArray(fields, nfields);
	free(lang);
	free(statefile);
	cnfparamvalsDestruct(pvals, &actpblk);
ENDnewActInst

/* The message text with the attempted passwords cut out.  Redaction never
 * depends on an allocation: when the redacted text does not fit the stack
 * buffer and malloc fails, or rsyslog cannot grow the message (a password
 * shorter than "[REDACTED]" makes the text longer, and MsgReplaceMSG then
 * allocates), the message becomes the redacted text cut to what fits both
 * the stack buffer and the message's own length.  A text no longer than the
 * message is copied in place by MsgReplaceMSG, which then cannot fail.
 * ap_redact writes at most dstsz-1 bytes: a cut text holds no byte of a
 * password. */
static void redactMessage(smsg_t *pMsg, const ap_event *ev, const uchar *msg, int len)
{
	char stackbuf[4096];
	const char *m = (const char *)msg;
	size_t n = (size_t)len;
	size_t need = ap_redact(ev, m, n, stackbuf, sizeof(stackbuf));
	if (need < sizeof(stackbuf)) {
		if (MsgReplaceMSG(pMsg, (const uchar *)stackbuf, (int)need) == RS_RET_OK)
			return;
	} else {
		char *buf = malloc(need + 1);
		if (buf != NULL) {
			ap_redact(ev, m, n, buf, need + 1);
			rsRetVal r = MsgReplaceMSG(pMsg, (const uchar *)buf, (int)need);
			free(buf);
			if (r == RS_RET_OK)
				return;
		}
	}
	size_t cap = n < sizeof(stackbuf) ? n + 1 : sizeof(stackbuf);
	size_t cut = ap_redact(ev, m, n, stackbuf, cap);
	if (cut > cap - 1)
		cut = cap - 1;
	MsgReplaceMSG(pMsg, (const uchar *)stackbuf, (int)cut);
}

/* the message's own time stamp, seconds since the epoch */
static int64_t messageTime(void *arg)
{
	smsg_t *pMsg = arg;
	return (int64_t)datetime.syslogTime2time_t(&pMsg->tTIMESTAMP);
}

/* a failure with an address to the cluster tier (pData->cluster, not
 * NULL: tested by the caller, so that an action without a cluster tier
 * makes no call), at the time local detection ran on (ap_process): the
 * line's own time stamp unless detect.timeSource="reception", else the
 * message's */
static void clusterFeed(wrkrInstanceData_t *pWrkrData, const ap_input *in, ap_result *res,
			smsg_t *pMsg)
{
	instanceData *const pData = pWrkrData->pData;
	if (res->ev.kind != AP_KIND_AUTH || res->ev.outcome != AP_OUT_FAILURE
	    || res->ev.ip.family == 0)
		return;
	int64_t t;
	if (res->ev.time != 0 && pData->timeSource != TIME_RECEPTION)
		t = res->ev.time;
	else if (in->time != 0)
		t = in->time;
	else
		t = messageTime(pMsg);
	ap_cluster_feed(pData->cluster, pWrkrData->cw, res, t);
}

/* the message's tag is the edge template's: "mmauthparse", as the RFC 5424
 * app name or an RFC 3164 tag ("mmauthparse:", "mmauthparse[pid]:") */
static int edgeTagged(smsg_t *pMsg)
{
	uchar *tag = NULL;
	int n = 0;
	const size_t k = sizeof("mmauthparse") - 1;
	getTAG(pMsg, &tag, &n, LOCK_MUTEX);
	if (tag == NULL || n < (int)k || memcmp(tag, "mmauthparse", k) != 0)
		return 0;
	return (size_t)n == k || tag[k] == ':' || tag[k] == '[';
}

/* input="event": the event an edge collector attached, from the container
 * (when the message carries one: parse_json or mmjsonparse put it there)
 * or else from a JSON message body ("{...}", "@cee:" before it allowed)
 * of a message tagged mmauthparse: any program that can log can write a
 * JSON body, so a body under another tag is never read as an event.
 * Detection (and the cluster tier) run on it, its alerts replace the
 * edge's, the rest of the object stays as the edge wrote it.  Anything
 * that is not an auth or block event passes untouched. */
static void eventInput(wrkrInstanceData_t *pWrkrData, smsg_t *pMsg)
{
	instanceData *const pData = pWrkrData->pData;
	struct json_object *evjson = NULL;
	ap_input in;
	ap_result res;
	if ((msgGetJSONPropJSON(pMsg, pData->containerProp, &evjson) != RS_RET_OK || evjson == NULL)
	    && edgeTagged(pMsg)) {
		const char *m = (const char *)getMSG(pMsg);
		int len = getMSGLen(pMsg);
		while (len > 0 && (*m == ' ' || *m == '\t')) {
			m++;
			len--;
		}
		if (len >= (int)sizeof("@cee:") - 1 && !memcmp(m, "@cee:", sizeof("@cee:") - 1)) {
			m += sizeof("@cee:") - 1;
			len -= (int)sizeof("@cee:") - 1;
			while (len > 0 && *m == ' ') {
				m++;
				len--;
			}
		}
		if (len > 0 && *m == '{') {
			/* the worker's tokener: reset rather than made anew (and
			 * freed) for every message */
			if (pWrkrData->tok == NULL)
				pWrkrData->tok = json_tokener_new();
			else
				json_tokener_reset(pWrkrData->tok);
			if (pWrkrData->tok != NULL)
				evjson = json_tokener_parse_ex(pWrkrData->tok, m, len);
		}
	}
	memset(&in, 0, sizeof(in));
	in.time = pData->timeSource == TIME_RECEPTION ? (int64_t)pMsg->ttGenTime : 0;
	in.time_fn = messageTime;
	in.time_arg = pMsg;
	if (!ap_process_json(pData->ctx, pWrkrData->w, evjson, &in, &res)) {
		if (evjson != NULL)
			json_object_put(evjson);
		return; /* not an event: untouched */
	}
	if (pData->cluster != NULL)
		clusterFeed(pWrkrData, &in, &res, pMsg);
	ap_result_alerts_to_json(&res, evjson);
	/* force_reset: replace the container the message may already hold
	 * (without it rsyslog merges an object into the root, not the leaf) */
	if (msgAddJSON(pMsg, pData->container, evjson, 1, 0) != RS_RET_OK) /* owns evjson */
		__atomic_fetch_add(&pData->ctrFailed, 1, __ATOMIC_RELAXED);
}

/* The event into the container (msgAddJSON owns json, also on failure).
 * Most messages hold no $! tree when the module runs: then, for the
 * default container, the tree {"auth": event} is built here, its key a
 * constant, and handed over whole ("!"), which rsyslog takes as it is,
 * instead of creating the root itself, walking the path and copying the
 * key "auth" (and freeing the copy with the message).  The result is the
 * same tree.  Should another thread give the message a tree between the
 * look and the call, rsyslog adds our "auth" to it (jsonMerge), the same
 * as a message that had a tree without $!auth. */
static rsRetVal attachEvent(instanceData *pData, smsg_t *pMsg, struct json_object *json)
{
	if (pData->rootAuth) {
		pthread_mutex_lock(&pMsg->mut);
		int empty = pMsg->json == NULL;
		pthread_mutex_unlock(&pMsg->mut);
		if (empty) {
			struct json_object *root = json_object_new_object();
			if (root == NULL) {
				json_object_put(json);
				return RS_RET_OUT_OF_MEMORY;
			}
			json_object_object_add_ex(root, "auth", json,
						  JSON_C_OBJECT_ADD_KEY_IS_NEW
							  | JSON_C_OBJECT_KEY_IS_CONSTANT);
			return msgAddJSON(pMsg, (uchar *)"!", root, 0, 0);
		}
	}
	return msgAddJSON(pMsg, pData->container, json, 0, 0);
}

BEGINdoAction_NoStrings
	smsg_t **ppMsg = (smsg_t **)pMsgData;
	smsg_t *pMsg = ppMsg[0];
	instanceData *const pData = pWrkrData->pData;
	uchar *tag = NULL;
	int taglen = 0;
	ap_input in;
	ap_result res;
	CODESTARTdoAction
	if (pData->inputEvent) {
		eventInput(pWrkrData, pMsg);
		FINALIZE;
	}
	getTAG(pMsg, &tag, &taglen, LOCK_MUTEX);
	in.tag = (const char *)tag;
	in.taglen = taglen > 0 ? (size_t)taglen : 0;
	in.msg = (const char *)getMSG(pMsg);
	in.msglen = (size_t)getMSGLen(pMsg);
	/* the time is asked for only by detection, only for events, and by
	 * sshd's connection table, only for the sshd lines it keeps: the
	 * conversion (and rsyslog's complaint about an impossible year) costs
	 * nothing for other lines */
	in.time = pData->timeSource == TIME_RECEPTION ? (int64_t)pMsg->ttGenTime : 0;
	in.time_fn = messageTime;
	in.time_arg = pMsg;
	/* with the pid of the tag, the host names one sshd connection */
	in.host = getHOSTNAME(pMsg);
	in.hostlen = in.host != NULL ? (size_t)getHOSTNAMELen(pMsg) : 0;
	if (!ap_process(pData->ctx, pWrkrData->w, &in, &res))
		FINALIZE; /* not an auth event: untouched */
	if (pData->cluster != NULL)
		clusterFeed(pWrkrData, &in, &res, pMsg);

	/* the members `fields` chose; string values shared with this worker's
	 * earlier events (core/event.h: why rsyslog cannot change them) */
	struct json_object *json = ap_worker_json(pWrkrData->w, &res);
	if (json == NULL || attachEvent(pData, pMsg, json) != RS_RET_OK) {
		/* msgAddJSON owns json even on failure */
		__atomic_fetch_add(&pData->ctrFailed, 1, __ATOMIC_RELAXED);
		FINALIZE;
	}
	if (res.ev.nredact > 0)
		redactMessage(pMsg, &res.ev, (const uchar *)in.msg, (int)in.msglen);
finalize_it:
ENDdoAction

/* HUP (logrotate, every night): reopen the geo databases; a bad file keeps
 * the old one.  Detection state is kept. */
BEGINdoHUP
	CODESTARTdoHUP
	if (pData->reloadOnHup && pData->ctx != NULL) {
		int bad = ap_ctx_reload(pData->ctx);
		if (bad == 0)
			dbgprintf("mmauthparse: HUP: databases reloaded\n");
	}
ENDdoHUP

NO_LEGACY_CONF_parseSelectorAct

BEGINmodExit
	CODESTARTmodExit
	if (pInputName != NULL)
		prop.Destruct(&pInputName);
	objRelease(glbl, CORE_COMPONENT);
	objRelease(prop, CORE_COMPONENT);
	objRelease(ruleset, CORE_COMPONENT);
	objRelease(statsobj, CORE_COMPONENT);
	objRelease(datetime, CORE_COMPONENT);
ENDmodExit

BEGINqueryEtryPt
	CODESTARTqueryEtryPt
	CODEqueryEtryPt_STD_OMOD_QUERIES
	CODEqueryEtryPt_STD_OMOD8_QUERIES CODEqueryEtryPt_STD_CONF2_OMOD_QUERIES
		CODEqueryEtryPt_STD_CONF2_QUERIES CODEqueryEtryPt_doHUP
ENDqueryEtryPt

/* A module built against the headers of another rsyslog version misreads
 * every message silently.  Build a message with rsyslogd's own functions
 * and read it back through this build's view of smsg_t: if the layout
 * differs, refuse to load. */
static rsRetVal checkMsgLayout(void)
{
	DEFiRet;
	smsg_t *m = NULL;
	static const char raw[] = "<13>mmauthparse layout probe";
	static const char tagv[] = "mmauthparse-probe:";
	time_t now = time(NULL);

	CHKiRet(msgConstruct(&m));
	MsgSetRawMsg(m, raw, sizeof(raw) - 1);
	MsgSetTAG(m, (const uchar *)tagv, sizeof(tagv) - 1);
	if (m->iLenRawMsg != (int)sizeof(raw) - 1 || m->pszRawMsg == NULL
	    || memcmp(m->pszRawMsg, raw, sizeof(raw) - 1) != 0
	    || m->iLenTAG != (int)sizeof(tagv) - 1 || m->ttGenTime < now - 86400
	    || m->ttGenTime > now + 86400 || m->tTIMESTAMP.year != m->tRcvdAt.year
	    || m->tRcvdAt.year < 2000 || m->tRcvdAt.year > 2200) {
		LogError(0, RS_RET_ERR,
			 "mmauthparse: this module was built against rsyslog %s "
			 "headers whose message layout does not match the running rsyslogd; "
			 "refusing to load (rebuild with --with-rsyslog-src=<source of the "
			 "installed version>)",
			 VERSION);
		ABORT_FINALIZE(RS_RET_ERR);
	}
finalize_it:
	if (m != NULL)
		msgDestruct(&m);
	RETiRet;
}

/* The layout probe cannot tell apart two versions whose smsg_t agrees
 * (8.2302 and 8.2504 do) while other structures and behaviour may not.
 * rsyslogd exports no version, but its binary holds the text that -v
 * prints, "rsyslogd  <version> (aka ": read the running binary (through
 * /proc/self/exe) and refuse to load when that version is not the one of
 * our headers.  A binary that cannot be read, or has no such text (a
 * build of its own), is not refused: the layout probe still runs. */
static rsRetVal checkRsyslogdVersion(void)
{
	static const char pre[] = "rsyslogd  ";
	static const char post[] = " (aka ";
	char path[4096], running[32] = "";
	ssize_t pl = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (pl <= 0)
		return RS_RET_OK;
	path[pl] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return RS_RET_OK;
	struct stat st;
	void *map = MAP_FAILED;
	if (fstat(fd, &st) == 0 && st.st_size > 0)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return RS_RET_OK;
	const char *b = map, *end = b + st.st_size, *p = b;
	while ((p = memmem(p, (size_t)(end - p), pre, sizeof(pre) - 1)) != NULL) {
		const char *v = p + sizeof(pre) - 1, *q = v;
		while (q < end && q - v < (ptrdiff_t)sizeof(running) - 1
		       && ((*q >= '0' && *q <= '9') || *q == '.'))
			q++;
		if (q > v && (size_t)(end - q) >= sizeof(post) - 1
		    && memcmp(q, post, sizeof(post) - 1) == 0) {
			memcpy(running, v, (size_t)(q - v));
			running[q - v] = '\0';
			break;
		}
		p = v;
	}
	munmap(map, (size_t)st.st_size);
	if (running[0] != '\0' && strcmp(running, VERSION) != 0) {
		LogError(0, RS_RET_ERR,
			 "mmauthparse: this module was built for rsyslog %s but runs in "
			 "rsyslogd %s; refusing to load (install the module built for %s, "
			 "or rebuild with --with-rsyslog-src=<rsyslog-%s source>)",
			 VERSION, running, running, running);
		return RS_RET_ERR;
	}
	return RS_RET_OK;
}

BEGINmodInit()
	CODESTARTmodInit
	*ipIFVersProvided = CURR_MOD_IF_VERSION;
	CODEmodInit_QueryRegCFSLineHdlr
	CHKiRet(objUse(datetime, CORE_COMPONENT));
	CHKiRet(objUse(statsobj, CORE_COMPONENT));
	CHKiRet(checkRsyslogdVersion());
	CHKiRet(objUse(ruleset, CORE_COMPONENT));
	CHKiRet(objUse(prop, CORE_COMPONENT));
	CHKiRet(objUse(glbl, CORE_COMPONENT));
	CHKiRet(prop.CreateStringProp(&pInputName, (const uchar *)"mmauthparse",
				      sizeof("mmauthparse") - 1));
	CHKiRet(checkMsgLayout());
	dbgprintf("mmauthparse %s: built with rsyslog %s headers\n", ap_version(), VERSION);
ENDmodInit
