/* pureftpd.c - pure-ftpd 1.0.x (tag pure-ftpd; its own syslog lines, in
 * the language it was built with).  Service ftp; the lines say nothing of
 * TLS.
 *
 * pure-ftpd's logfile() (src/ftpd.c) writes every line as
 *   "(%s@%s) [LEVEL] text"
 * where the first field is the account once logged in and "?" before, and
 * the second is the client's address as getnameinfo() wrote it, or its
 * host name with -H off, passed through dns_sanitize(): letters, digits,
 * '.', '-' and ':' are kept and anything else becomes '_' (older builds
 * also turned the colons of an IPv6 address into '_': "2001_db8__1").
 * The texts come from src/messages_<lang>.h:
 *
 *   (?@H) [WARNING] Authentication failed for user [U]    failure
 *   (?@H) [WARNING] Can't login as [U]: account disabled (uid < N)
 *                                                         failure, disabled
 *   (?@H) [ERROR] Too many authentication failures        failure (the last
 *         attempt of a connection is logged only so)
 *   (U@H) [INFO] U is now logged in                        success
 *
 * and the same in every translation pure-ftpd ships (MSG_AUTH_FAILED_LOG,
 * MSG_ACCOUNT_DISABLED, MSG_AUTH_TOOMANY, MSG_IS_NOW_LOGGED_IN), in the
 * file's own encoding (ISO-8859-x, KOI8-R, EUC-KR, GB2312, Big5) and in
 * UTF-8, byte for byte.  pure-ftpd does not say whether the account
 * exists: failures carry no reason.
 *
 * Threat model.  The client types U (the USER argument).  Before login the
 * prefix "(?@H) [LEVEL] " is pure-ftpd's own and H holds no ')', '@' or
 * blank, so a failure line is read from the left: H from the prefix, then
 * the template's head at a fixed place and its tail at the end of the
 * line; U is what lies between, whatever it holds.  On a success line U
 * (a name the authentication backend accepted) is written twice,
 * "(U@H) [INFO] U is now logged in", and may itself hold '@' (virtual
 * users): the split is the one where H is a run of host characters behind
 * an '@' right before the level field (the first ") [" of the line) and
 * the two copies of U are equal.  A line that fits no template is no event:
 * a success needs the success template at the end and the logged-in
 * account in the prefix.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "recognisers/recogniser.h"

typedef struct {
	const char *head, *tail;
	size_t nhead, ntail;
} tmpl;

#define T(h, t)                            \
	{                                  \
		h, t, AP_LEN(h), AP_LEN(t) \
	}
#define W(w)                        \
	{                           \
		w, "", AP_LEN(w), 0 \
	}

/* the translations of src/messages_*.h; generated from the headers */
static const tmpl auth_failed[] = {
	T("Authentication failed for user [", "]"),                        /* en */
	T("Autentifikace u\xbeivatele selhala [", "]"),                    /* cs_cz, iso-8859-2 */
	T("Autentifikace u\xc5\xbeivatele selhala [", "]"),                /* cs_cz, utf-8 */
	T("Godkendelse mislykkedes for [", "]"),                           /* da */
	T("Authentifizierung fehlgeschlagen f\xc3\xbcr Benutzer [", "]."), /* de, utf-8 */
	T("Authentifizierung fehlgeschlagen f\xfcr Benutzer [", "]."),     /* de, latin-1 */
	T("Autentificaci\xf3n fallida para el usuario [", "]"),            /* es, latin-1 */
	T("Autentificaci\xc3\xb3n fallida para el usuario [", "]"),        /* es, utf-8 */
	T("Erreur d'authentification pour l'utilisateur [", "]"),          /* fr */
	T("[", "] c'est un batard, il connait pas son code"),              /* fr_funny */
	T("Azonos\xedt\xe1s sikertelen [", "] felhaszn\xe1l\xf3nak"),      /* hu, iso-8859-2 */
	T("Azonos\xc3\xadt\xc3\xa1s sikertelen [",
	  "] felhaszn\xc3\xa1l\xc3\xb3nak"),                            /* hu, utf-8 */
	T("Autenticazione falita per l'utente [", "]"),                 /* it */
	T("[", "] \xc0\xaf\xc0\xfa \xc0\xce\xc1\xf5 \xbd\xc7\xc6\xd0"), /* kr, euc-kr */
	T("[",
	  "] \xec\x9c\xa0\xec\xa0\x80 \xec\x9d\xb8\xec\xa6\x9d \xec\x8b\xa4\xed\x8c\xa8"), /* kr, utf-8 */
	T("Autorisatie faalde voor gebruiker [", "]"),                                     /* nl */
	T("Godkjennelse mislyktes for [", "]"),                                            /* no */
	T("Autentyfikacja nie powiod\xb3"
	  "a si\xea dla u\xbfytkownika [",
	  "]"), /* pl, iso-8859-2 */
	T("Autentyfikacja nie powiod\xc5\x82"
	  "a si\xc4\x99 dla u\xc5\xbcytkownika [",
	  "]"),                                                            /* pl, utf-8 */
	T("Autentica\xe7\xe3o falhou para usu\xe1rio [", "]"),             /* pt_br, latin-1 */
	T("Autentica\xc3\xa7\xc3\xa3o falhou para usu\xc3\xa1rio [", "]"), /* pt_br, utf-8 */
	T("Autentificare esuata pentru utilizatorul [", "]"),              /* ro */
	T("\xe1\xd7\xd4\xcf\xd2\xc9\xda\xc1\xc3\xc9\xd1 \xce\xc5 \xd5\xc4\xc1\xcc\xc1\xd3\xd8 "
	  "\xd0\xcf\xcc\xd8\xda\xcf\xd7\xc1\xd4\xc5\xcc\xc0 [",
	  "]"), /* ru, koi8-r */
	T("\xd0\x90\xd0\xb2\xd1\x82\xd0\xbe\xd1\x80\xd0\xb8\xd0\xb7\xd0\xb0\xd1\x86\xd0\xb8\xd1\x8f"
	  " \xd0\xbd\xd0\xb5 \xd1\x83\xd0\xb4\xd0\xb0\xd0\xbb\xd0\xb0\xd1\x81\xd1\x8c "
	  "\xd0\xbf\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb"
	  "\xd1\x8e [",
	  "]"),                                                            /* ru, utf-8 */
	T("Autentifikacia uzivatela zlyhala [", "]"),                      /* sk */
	T("Autentikimi nuk u krye dot per user [", "]"),                   /* sq */
	T("Beh\xf6righetskontroll misslyckas f\xf6r anv\xe4ndare [", "]"), /* sv, latin-1 */
	T("Beh\xc3\xb6righetskontroll misslyckas f\xc3\xb6r anv\xc3\xa4ndare [",
	  "]"), /* sv, utf-8 */
	T("[", "] kullan\xfd"
	       "c\xfds\xfd i\xe7in giri\xfe hatal\xfd"), /* tr, iso-8859-9 */
	T("[", "] kullan\xc4\xb1"
	       "c\xc4\xb1s\xc4\xb1 i\xc3\xa7in giri\xc5\x9f hatal\xc4\xb1"), /* tr, utf-8 */
	T("\xca\xb9\xd3\xc3\xd5\xdf[", "]\xd1\xe9\xd6\xa4\xca\xa7\xb0\xdc"), /* zh_cn, gb2312 */
	T("\xe4\xbd\xbf\xe7\x94\xa8\xe8\x80\x85[",
	  "]\xe9\xaa\x8c\xe8\xaf\x81\xe5\xa4\xb1\xe8\xb4\xa5"),              /* zh_cn, utf-8 */
	T("\xa8\xcf\xa5\xce\xaa\xcc[", "]\xc5\xe7\xc3\xd2\xa5\xa2\xb1\xd1"), /* zh_tw, big5 */
	T("\xe4\xbd\xbf\xe7\x94\xa8\xe8\x80\x85[",
	  "]\xe9\xa9\x97\xe8\xad\x89\xe5\xa4\xb1\xe6\x95\x97"), /* zh_tw, utf-8 */
};

static const tmpl account_disabled[] = {
	T("Can't login as [", "]: account disabled"), /* en */
	T("Nem\xf9\xbe"
	  "ete se p\xf8ihl\xe1sit jako [",
	  "] : \xfa\xe8"
	  "et je deaktivov\xe1n"), /* cs_cz, iso-8859-2 */
	T("Nem\xc5\xaf\xc5\xbe"
	  "ete se p\xc5\x99ihl\xc3\xa1sit jako [",
	  "] : \xc3\xba\xc4\x8d"
	  "et je deaktivov\xc3\xa1n"),                                      /* cs_cz, utf-8 */
	T("Du kan ikke logge p\xe5 som [", "]: konto er deaktiveret"),      /* da, latin-1 */
	T("Du kan ikke logge p\xc3\xa5 som [", "]: konto er deaktiveret"),  /* da, utf-8 */
	T("Einloggen als [", "] nicht m\xc3\xb6glich: Konto deaktiviert."), /* de, utf-8 */
	T("Einloggen als [", "] nicht m\xf6glich: Konto deaktiviert."),     /* de, latin-1 */
	T("No se puede conectar como [", "] : cuenta deshabilitada"),       /* es */
	T("Impossible de se logger sous [", "] : compte desactive"),        /* fr */
	T("Le compte [", "] s'est fait buter"),                             /* fr_funny */
	T(" Nemtud bel\xe9pni ezzel a felhaszn\xe1l\xf3n\xe9vvel: [",
	  "]: bel\xe9p\xe9si n\xe9v letiltva"), /* hu, iso-8859-2 */
	T(" Nemtud bel\xc3\xa9pni ezzel a felhaszn\xc3\xa1l\xc3\xb3n\xc3\xa9vvel: [",
	  "]: bel\xc3\xa9p\xc3\xa9si n\xc3\xa9v letiltva"),           /* hu, utf-8 */
	T("Impossibile loggarsi come [", "] : account disabilitato"), /* it */
	T("[", "] \xb7\xce \xb7\xce\xb1\xd7\xc0\xce \xba\xd2\xb0\xa1 : \xb0\xe8\xc1\xa4 "
	       "\xbb\xe7\xbf\xeb\xba\xd2\xb0\xa1"), /* kr, euc-kr */
	T("[",
	  "] \xeb\xa1\x9c \xeb\xa1\x9c\xea\xb7\xb8\xec\x9d\xb8 \xeb\xb6\x88\xea\xb0\x80 : "
	  "\xea\xb3\x84\xec\xa0\x95 \xec\x82\xac\xec\x9a\xa9\xeb\xb6\x88\xea\xb0\x80"), /* kr, utf-8 */
	T("U kan niet inloggen als [", "] : het account is uitgeschakeld"),             /* nl */
	T("Kan ikke logge inn som [", "]: kontoen er stengt"),                          /* no */
	T("Nie mo\xbfna zalogowa\xe6 si\xea jako [", "] : konto zablokowane"), /* pl, iso-8859-2 */
	T("Nie mo\xc5\xbcna zalogowa\xc4\x87 si\xc4\x99 jako [",
	  "] : konto zablokowane"),                                             /* pl, utf-8 */
	T("N\xe3o \xe9 poss\xedvel conectar como [", "] : conta desabilitada"), /* pt_br, latin-1 */
	T("N\xc3\xa3o \xc3\xa9 poss\xc3\xadvel conectar como [",
	  "] : conta desabilitada"),                  /* pt_br, utf-8 */
	T("Nu pot loga ca [", "] : cont dezactivat"), /* ro */
	T("\xee\xc5\xd7\xcf\xda\xcd\xcf\xd6\xc5\xce \xd7\xc8\xcf\xc4 \xcb\xc1\xcb [",
	  "]: \xc1\xcb\xcb\xc1\xd5\xce\xd4 \xcf\xd4\xcb\xcc\xc0\xde\xc5\xce"), /* ru, koi8-r */
	T("\xd0\x9d\xd0\xb5\xd0\xb2\xd0\xbe\xd0\xb7\xd0\xbc\xd0\xbe\xd0\xb6\xd0\xb5\xd0\xbd "
	  "\xd0\xb2\xd1\x85\xd0\xbe\xd0\xb4 \xd0\xba\xd0\xb0\xd0\xba [",
	  "]: \xd0\xb0\xd0\xba\xd0\xba\xd0\xb0\xd1\x83\xd0\xbd\xd1\x82 "
	  "\xd0\xbe\xd1\x82\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87\xd0\xb5\xd0\xbd"), /* ru, utf-8 */
	T("Nemozte sa prihlasit ako [", "] : konto je deaktivovane"),          /* sk */
	T("Nuk mund te futem si [", "]: perdorues i c'aktivizuar"),            /* sq */
	T("Kan ej logga in som [", "]: kontot \xe4r avst\xe4ngt"),             /* sv, latin-1 */
	T("Kan ej logga in som [", "]: kontot \xc3\xa4r avst\xc3\xa4ngt"),     /* sv, utf-8 */
	T("[", "] giri\xfeine izin yok: hesap kapal\xfd"),                     /* tr, iso-8859-9 */
	T("[", "] giri\xc5\x9fine izin yok: hesap kapal\xc4\xb1"),             /* tr, utf-8 */
	T("\xce\xde\xb7\xa8\xb5\xc7\xc2\xbc\xce\xaa[",
	  "]: \xd5\xca\xba\xc5\xb9\xd8\xb1\xd5"), /* zh_cn, gb2312 */
	T("\xe6\x97\xa0\xe6\xb3\x95\xe7\x99\xbb\xe5\xbd\x95\xe4\xb8\xba[",
	  "]: \xe5\xb8\x90\xe5\x8f\xb7\xe5\x85\xb3\xe9\x97\xad"), /* zh_cn, utf-8 */
	T("\xb5L\xaak\xb5n\xa4J\xac\xb0[", "]: \xb1"
					   "b\xb8\xb9\xc3\xf6\xb3\xac"), /* zh_tw, big5 */
	T("\xe7\x84\xa1\xe6\xb3\x95\xe7\x99\xbb\xe5\x85\xa5\xe7\x82\xba[",
	  "]: \xe5\xb8\xb3\xe8\x99\x9f\xe9\x97\x9c\xe9\x96\x89"), /* zh_tw, utf-8 */
};

static const tmpl logged_in[] = {
	T("", " is now logged in"), /* en */
	T("", " je prav\xec p\xf8ihl\xe1\xb9"
	      "en"), /* cs_cz, iso-8859-2 */
	T("", " je prav\xc4\x9b p\xc5\x99ihl\xc3\xa1\xc5\xa1"
	      "en"),                                                 /* cs_cz, utf-8 */
	T("", " er logget p\xe5 nu"),                                /* da, latin-1 */
	T("", " er logget p\xc3\xa5 nu"),                            /* da, utf-8 */
	T("", " ist jetzt eingeloggt."),                             /* de */
	T("", " est\xe1 ahora dentro del sistema"),                  /* es, latin-1 */
	T("", " est\xc3\xa1 ahora dentro del sistema"),              /* es, utf-8 */
	T("", " est maintenant loggue"),                             /* fr */
	T("", " vient de debarquer"),                                /* fr_funny */
	T("", " bel\xe9pett"),                                       /* hu, iso-8859-2 */
	T("", " bel\xc3\xa9pett"),                                   /* hu, utf-8 */
	T("", " \xe8 ora loggato"),                                  /* it, latin-1 */
	T("", " \xc3\xa8 ora loggato"),                              /* it, utf-8 */
	T("", " \xb0\xa1 \xb7\xce\xb1\xd7\xc0\xce"),                 /* kr, euc-kr */
	T("", " \xea\xb0\x80 \xeb\xa1\x9c\xea\xb7\xb8\xec\x9d\xb8"), /* kr, utf-8 */
	T("", " is nu ingelogd"),                                    /* nl */
	T("", " er n\xe5 logget inn"),                               /* no, latin-1 */
	T("", " er n\xc3\xa5 logget inn"),                           /* no, utf-8 */
	T("", " jest teraz zalogowany"),                             /* pl */
	T("", " agora est\xe1 logado"),                              /* pt_br, latin-1 */
	T("", " agora est\xc3\xa1 logado"),                          /* pt_br, utf-8 */
	T("", " este acum logat"),                                   /* ro */
	T("", " \xd7\xcf\xdb\xc5\xcc"),                              /* ru, koi8-r */
	T("", " \xd0\xb2\xd0\xbe\xd1\x88\xd0\xb5\xd0\xbb"),          /* ru, utf-8 */
	T("", " je prave prihlaseny"),                               /* sk */
	T("", " eshte i loguar"),                                    /* sq */
	T("", " har loggat in"),                                     /* sv */
	T("", " giri\xfe yapt\xfd"),                                 /* tr, iso-8859-9 */
	T("", " giri\xc5\x9f yapt\xc4\xb1"),                         /* tr, utf-8 */
	T("", " \xcf\xd6\xd4\xda\xb5\xc7\xc2\xbc"),                  /* zh_cn, gb2312 */
	T("", " \xe7\x8e\xb0\xe5\x9c\xa8\xe7\x99\xbb\xe5\xbd\x95"),  /* zh_cn, utf-8 */
	T("", " \xb2{\xa6"
	      "b\xb5n\xa4J"),                                       /* zh_tw, big5 */
	T("", " \xe7\x8f\xbe\xe5\x9c\xa8\xe7\x99\xbb\xe5\x85\xa5"), /* zh_tw, utf-8 */
};

static const tmpl too_many[] = {
	W("Too many authentication failures"),                               /* en */
	W("P\xf8\xedli\xb9 mnoho zlyhan\xed autentifikace"),                 /* cs_cz, iso-8859-2 */
	W("P\xc5\x99\xc3\xadli\xc5\xa1 mnoho zlyhan\xc3\xad autentifikace"), /* cs_cz, utf-8 */
	W("For mange mislykkedes godkendelses fors\xf8g"),                   /* da, latin-1 */
	W("For mange mislykkedes godkendelses fors\xc3\xb8g"),               /* da, utf-8 */
	W("Zu viele Authentifizierungsfehler."),                             /* de */
	W("Demasiados fallos de autentificaci\xf3n"),                        /* es, latin-1 */
	W("Demasiados fallos de autentificaci\xc3\xb3n"),                    /* es, utf-8 */
	W("Trop d'echecs d'authentification"),                               /* fr */
	W("Degage connard, va jouer ailleurs"),                              /* fr_funny */
	W("T\xfal sok sikertelen azonos\xedt\xe1s"),                         /* hu, iso-8859-2 */
	W("T\xc3\xbal sok sikertelen azonos\xc3\xadt\xc3\xa1s"),             /* hu, utf-8 */
	W("Troppe autenticazioni fallite"),                                  /* it */
	W("\xb9\xdd\xba\xb9\xb5\xc8 \xc0\xce\xc1\xf5 \xbd\xc7\xc6\xd0"),     /* kr, euc-kr */
	W("\xeb\xb0\x98\xeb\xb3\xb5\xeb\x90\x9c \xec\x9d\xb8\xec\xa6\x9d "
	  "\xec\x8b\xa4\xed\x8c\xa8"),                               /* kr, utf-8 */
	W("Autorisatie is te vaak mislukt"),                         /* nl */
	W("For mange mislykkede innloggingsfors\xf8k"),              /* no, latin-1 */
	W("For mange mislykkede innloggingsfors\xc3\xb8k"),          /* no, utf-8 */
	W("Zbyt wiele niepowodze\xf1 podczas uwierzytelniania"),     /* pl, iso-8859-2 */
	W("Zbyt wiele niepowodze\xc5\x84 podczas uwierzytelniania"), /* pl, utf-8 */
	W("Muitas falhas de autentica\xe7\xe3o"),                    /* pt_br, latin-1 */
	W("Muitas falhas de autentica\xc3\xa7\xc3\xa3o"),            /* pt_br, utf-8 */
	W("Prea multe autentificari esuate"),                        /* ro */
	W("\xf3\xcc\xc9\xdb\xcb\xcf\xcd \xcd\xce\xcf\xc7\xcf \xd0\xcf\xd0\xd9\xd4\xcf\xcb "
	  "\xc1\xd7\xd4\xcf\xd2\xc9\xda\xc1\xc3\xc9\xc9"), /* ru, koi8-r */
	W("\xd0\xa1\xd0\xbb\xd0\xb8\xd1\x88\xd0\xba\xd0\xbe\xd0\xbc "
	  "\xd0\xbc\xd0\xbd\xd0\xbe\xd0\xb3\xd0\xbe "
	  "\xd0\xbf\xd0\xbe\xd0\xbf\xd1\x8b\xd1\x82\xd0\xbe\xd0\xba "
	  "\xd0\xb0\xd0\xb2\xd1\x82\xd0\xbe\xd1\x80\xd0\xb8\xd0\xb7\xd0\xb0\xd1\x86\xd0\xb8\xd0"
	  "\xb8"),                                                                 /* ru, utf-8 */
	W("Privela zlyhani autentifikacie"),                                       /* sk */
	W("Shume deshtime ne hyrje"),                                              /* sq */
	W("F\xf6r m\xe5nga beh\xf6righetskontroller har misslyckats"),             /* sv, latin-1 */
	W("F\xc3\xb6r m\xc3\xa5nga beh\xc3\xb6righetskontroller har misslyckats"), /* sv, utf-8 */
	W("\xc7ok fazla yetki iste\xf0i hatas\xfd"),                   /* tr, iso-8859-9 */
	W("\xc3\x87ok fazla yetki iste\xc4\x9fi hatas\xc4\xb1"),       /* tr, utf-8 */
	W("\xd1\xe9\xd6\xa4\xca\xa7\xb0\xdc\xcc\xab\xb6\xe0\xb4\xce"), /* zh_cn, gb2312 */
	W("\xe9\xaa\x8c\xe8\xaf\x81\xe5\xa4\xb1\xe8\xb4\xa5\xe5\xa4\xaa\xe5\xa4\x9a\xe6\xac"
	  "\xa1"),                                                  /* zh_cn, utf-8 */
	W("\xc5\xe7\xc3\xd2\xa5\xa2\xb1\xd1\xa4\xd3\xa6h\xa6\xb8"), /* zh_tw, big5 */
	W("\xe9\xa9\x97\xe8\xad\x89\xe5\xa4\xb1\xe6\x95\x97\xe5\xa4\xaa\xe5\xa4\x9a\xe6\xac"
	  "\xa1"), /* zh_tw, utf-8 */
};

#define NTMPL(a) (sizeof(a) / sizeof(a[0]))

/* the template whose head starts [p, e) and whose tail ends it: the
 * argument between them in *arg */
static int match_tmpl(const tmpl *t, size_t nt, const char *p, const char *e, ap_span *arg)
{
	size_t n = (size_t)(e - p);
	for (size_t i = 0; i < nt; i++) {
		if (n < t[i].nhead + t[i].ntail || memcmp(p, t[i].head, t[i].nhead) != 0
		    || memcmp(e - t[i].ntail, t[i].tail, t[i].ntail) != 0)
			continue;
		*arg = ap_span_make(p + t[i].nhead, n - t[i].nhead - t[i].ntail);
		return 1;
	}
	return 0;
}

/* the whole text is one of the templates */
static int match_word(const tmpl *t, size_t nt, const char *p, const char *e)
{
	for (size_t i = 0; i < nt; i++)
		if ((size_t)(e - p) == t[i].nhead && memcmp(p, t[i].head, t[i].nhead) == 0)
			return 1;
	return 0;
}

/* what dns_sanitize() leaves in a host: letters, digits, '.', '-', ':'
 * and the '_' it writes for anything else */
static int host_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
	       || ch == '.' || ch == '-' || ch == ':' || ch == '_';
}

/* H: an address, an address whose colons became '_' (older builds), or a
 * host name */
static void set_host(ap_event *ev, ap_span h)
{
	if (h.n == 0 || AP_SPAN_IS(h, "?"))
		return;
	const char *colon = memchr(h.p, ':', h.n);
	const char *us = memchr(h.p, '_', h.n);
	if (colon != NULL && us != NULL) {
		/* "fe80::1_eth0": the zone's '%' became '_' */
		ap_set_ip(&ev->ip, h.p, (size_t)(us - h.p));
		return;
	}
	if (us != NULL && h.n < 64) {
		char buf[64];
		for (uint32_t i = 0; i < h.n; i++)
			buf[i] = h.p[i] == '_' ? ':' : h.p[i];
		if (ap_set_ip(&ev->ip, buf, h.n))
			return;
	}
	ap_set_ip_or_rdns(ev, h);
}

/* MSG_ACCOUNT_DISABLED is logged with " (uid < N)" after it: where that
 * suffix starts, or p (no template fits) when it is not there */
static const char *uid_suffix(const char *p, const char *e)
{
	static const char uid[] = " (uid < ";
	if (e == p || e[-1] != ')')
		return p;
	const char *t = e - 1;
	while (t > p && t[-1] >= '0' && t[-1] <= '9')
		t--;
	if (t == e - 1 || (size_t)(t - p) < AP_LEN(uid)
	    || memcmp(t - AP_LEN(uid), uid, AP_LEN(uid)) != 0)
		return p;
	return t - AP_LEN(uid);
}

/* "(U@H) [INFO] U": the level field is the first ") [" of the line (a U
 * holding one is not read: a DEBUG line of a client's command can hold
 * anything after its own level field), H the run of host characters (or
 * "?") before it behind an '@', and both copies of U are equal. */
static int split_success(const char *p, size_t n, ap_span *user, ap_span *host)
{
	if (n < 2 || p[0] != '(')
		return 0;
	const char *q = AP_MEMMEM(p, n, ") [");
	if (q == NULL || !AP_HAS_PREFIX(q, n - (size_t)(q - p), ") [INFO] "))
		return 0;
	size_t qi = (size_t)(q - p);
	size_t u2 = qi + AP_LEN(") [INFO] ");
	size_t hs = qi;
	if (hs > 1 && p[hs - 1] == '?')
		hs--;
	else
		while (hs > 1 && host_char(p[hs - 1]))
			hs--;
	/* p[hs-1] is the '@'; the first U is p[1, hs-1) */
	if (hs < 3 || hs == qi || p[hs - 1] != '@' || hs - 2 != n - u2
	    || memcmp(p + 1, p + u2, n - u2) != 0)
		return 0;
	*user = ap_span_make(p + u2, n - u2);
	*host = ap_span_make(p + hs, qi - hs);
	return 1;
}

static int rec_pureftpd(const ap_line *ln, ap_event *ev)
{
	const char *p = ln->msg, *e = ln->msg + ln->len;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	ev->daemon = "pure-ftpd";
	ev->service = "ftp";

	ap_cur c = ap_cur_make(p, (size_t)(e - p));
	/* PAM's own line under the daemon's tag: "(pam_unix) authentication
	 * failure; ... rhost=" (pam.c reads it by its rules) */
	if (AP_HAS_PREFIX(ln->msg, ln->len, "pam_") || AP_HAS_PREFIX(ln->msg, ln->len, "(pam_")) {
		if (!ap_rec_pam_bare(ln, ev))
			return 0;
		ev->daemon = "pure-ftpd";
		ev->service = "ftp";
		return 1;
	}
	if (AP_EAT(&c, "(?@")) {
		/* before login: the prefix is the daemon's */
		const char *h = c.p;
		if (!AP_EAT(&c, "?"))
			while (c.p < c.e && host_char(*c.p))
				c.p++;
		ap_span host = ap_span_make(h, (size_t)(c.p - h));
		ap_span arg;
		if (AP_EAT(&c, ") [WARNING] ")) {
			if (match_tmpl(auth_failed, NTMPL(auth_failed), c.p, c.e, &arg)) {
				ev->outcome = AP_OUT_FAILURE;
			} else if (match_tmpl(account_disabled, NTMPL(account_disabled), c.p,
					      uid_suffix(c.p, c.e), &arg)) {
				/* the password was right; the account may not log in */
				ev->outcome = AP_OUT_FAILURE;
				ev->reason = AP_R_DISABLED;
			} else {
				return 0;
			}
		} else if (AP_EAT(&c, ") [ERROR] ")) {
			if (!match_word(too_many, NTMPL(too_many), c.p, c.e))
				return 0;
			ev->outcome = AP_OUT_FAILURE;
			arg = ap_span_make(NULL, 0);
		} else {
			return 0;
		}
		ap_set_user(ev, arg.p, arg.n);
		set_host(ev, host);
		return 1;
	}

	/* a success: "(U@H) [INFO] " + MSG_IS_NOW_LOGGED_IN(U) */
	for (size_t i = 0; i < NTMPL(logged_in); i++) {
		const tmpl *t = &logged_in[i];
		size_t n = (size_t)(e - p);
		if (n <= t->ntail || memcmp(e - t->ntail, t->tail, t->ntail) != 0)
			continue;
		ap_span user, host;
		if (!split_success(p, n - t->ntail, &user, &host))
			continue;
		ev->outcome = AP_OUT_SUCCESS;
		ap_set_user(ev, user.p, user.n);
		set_host(ev, host);
		return 1;
	}
	return 0;
}

/* the family: its name in events, its recogniser and the tags it reads */
const ap_family_def ap_family_pureftpd = {
	AP_FAM_PUREFTPD,
	"pureftpd",
	rec_pureftpd,
	(const char *const[]){ "pure-ftpd", "pureftpd", NULL },
};
