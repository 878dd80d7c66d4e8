version=2
# auth.rb - a liblognorm v2 rulebase ("version=2" must be the first line) for mmnormalize covering the daemon
# families mmauthparse recognises, in the line shapes of the benchmark
# corpus (bench/gen.c) and the common variants of tests/cases/, so that
# bench/run.sh can compare mmnormalize with mmauthparse on the same input.
# Fields are named like mmauthparse's JSON (user, ip, port, service, mech,
# session, rdns, attempts); the outcome and daemon are rule tags
# (event.tags).  Rules match the message text only: mmnormalize does not see
# the syslog tag.  No regex fields.

# an address as daemons print it: IPv4 or IPv6 (the ipv6 parser also takes
# the v4-mapped ::ffff:a.b.c.d form).  liblognorm's ipv6 parser wants a space
# or the end of the line after the address, so where a daemon writes it
# before "]", "," "." or ")" the address is taken up to that character.
type=@ip:%ip:ipv4%
type=@ip:%ip:ipv6%
type=@ipb:%ip:char-to{"extradata":"]"}%
type=@ipc:%ip:ipv4%
type=@ipc:%ip:char-to{"extradata":","}%
type=@ipd:%ip:ipv4%
type=@ipd:%ip:char-to{"extradata":"."}%
type=@ipp:%ip:ipv4%
type=@ipp:%ip:char-to{"extradata":")"}%

# "<user>" as dovecot writes it
type=@dvuser:user=<%user:char-to{"extradata":">"}%>

# ------------------------------------------------------------------ exim
rule=auth,failure,exim:%-:date-iso% %-:time-24hr% %mech:word% authenticator failed for %helo:word% [%.:@ipb%]:%port:number% I=[%server_ip:char-to{"extradata":"]"}%]:%-:number%: 535 Incorrect authentication data (set_id=%user:char-to{"extradata":")"}%)
rule=auth,failure,exim:%mech:word% authenticator failed for %helo:word% [%.:@ipb%]:%port:number% I=[%server_ip:char-to{"extradata":"]"}%]:%-:number%: 535 Incorrect authentication data (set_id=%user:char-to{"extradata":")"}%)
rule=auth,failure,exim:%mech:word% authenticator failed for %helo:word% [%.:@ipb%]:%port:number%: 535 Incorrect authentication data (set_id=%user:char-to{"extradata":")"}%)
rule=auth,failure,exim:%mech:word% authenticator failed for %helo:word% [%.:@ipb%]: 535 Incorrect authentication data%-:rest%
rule=auth,success,exim:%session:word% <= %sender:word% H=%helo:word% [%.:@ipb%]:%port:number% I=[%server_ip:char-to{"extradata":"]"}%]:%-:number% P=%proto:word% X=%tls:word% CV=%-:word% A=%mech:char-to{"extradata":":"}%:%user:word% %-:rest%
rule=auth,success,exim:%session:word% <= %sender:word% H=%helo:word% [%.:@ipb%]:%port:number% I=[%server_ip:char-to{"extradata":"]"}%]:%-:number% P=%proto:word% A=%mech:char-to{"extradata":":"}%:%user:word% %-:rest%

# ------------------------------------------------------------------ dovecot
rule=auth,failure,dovecot:%service:char-to{"extradata":"-"}%-login: Disconnected (auth failed, %attempts:number% attempts in %-:number% secs): %.:@dvuser%, method=%mech:char-to{"extradata":","}%, rip=%.:@ipc%, lip=%server_ip:char-to{"extradata":","}%, %-:rest%
rule=auth,failure,dovecot:%service:char-to{"extradata":"-"}%-login: Aborted login (auth failed, %attempts:number% attempts in %-:number% secs): %.:@dvuser%, method=%mech:char-to{"extradata":","}%, rip=%.:@ipc%, lip=%server_ip:char-to{"extradata":","}%, %-:rest%
rule=auth,failure,dovecot:%service:char-to{"extradata":"-"}%-login: Login aborted: Connection closed (auth failed, %attempts:number% attempts in %-:number% secs) (auth_failed): %.:@dvuser%, method=%mech:char-to{"extradata":","}%, rip=%.:@ipc%, lip=%server_ip:char-to{"extradata":","}%, %-:rest%
rule=auth,failure,dovecot:%service:char-to{"extradata":"-"}%-login: Aborted login (%attempts:number% authentication attempts): %.:@dvuser%, method=%mech:char-to{"extradata":","}%, rip=%.:@ipc%, lip=%server_ip:char-to{"extradata":","}%, %-:rest%
rule=auth,failure,dovecot:%service:char-to{"extradata":"-"}%-login: Disconnected: Connection closed (auth failed, %attempts:number% attempts in %-:number% secs): %.:@dvuser%, method=%mech:char-to{"extradata":","}%, rip=%.:@ipc%, lip=%server_ip:char-to{"extradata":","}%, %-:rest%
rule=auth,failure,dovecot:%service:char-to{"extradata":"-"}%-login: Disconnected: Inactivity (auth failed, %attempts:number% attempts in %-:number% secs): %.:@dvuser%, method=%mech:char-to{"extradata":","}%, rip=%.:@ipc%, lip=%server_ip:char-to{"extradata":","}%, %-:rest%
rule=auth,success,dovecot:%service:char-to{"extradata":"-"}%-login: Login: %.:@dvuser%, method=%mech:char-to{"extradata":","}%, rip=%.:@ipc%, lip=%server_ip:char-to{"extradata":","}%, %-:rest%
rule=auth,success,dovecot:%service:char-to{"extradata":"-"}%-login: Logged in: %.:@dvuser%, method=%mech:char-to{"extradata":","}%, rip=%.:@ipc%, lip=%server_ip:char-to{"extradata":","}%, %-:rest%
rule=auth,failure,dovecot:%service:char-to{"extradata":"-"}%-login: Aborted login (tried to use disabled plaintext auth): rip=%.:@ipc%, lip=%server_ip:rest%

# ------------------------------------------------------------------ postfix
rule=auth,failure,postfix:warning: %rdns:char-to{"extradata":"["}%[%.:@ipb%]: SASL %mech:word% authentication failed: %reason:char-to{"extradata":","}%, sasl_username=%user:rest%
rule=auth,failure,postfix:warning: %rdns:char-to{"extradata":"["}%[%.:@ipb%]: SASL %mech:word% authentication failed: %reason:rest%
rule=auth,failure,postfix:warning: %rdns:char-to{"extradata":"["}%[%.:@ipb%]:%port:number%: SASL %mech:word% authentication failed: %reason:char-to{"extradata":","}%, sasl_username=%user:rest%
rule=auth,failure,postfix:warning: %rdns:char-to{"extradata":"["}%[%.:@ipb%]:%port:number%: SASL %mech:word% authentication failed: %reason:rest%
rule=auth,success,postfix:%session:char-to{"extradata":":"}%: client=%rdns:char-to{"extradata":"["}%[%.:@ipb%], sasl_method=%mech:char-to{"extradata":","}%, sasl_username=%user:char-sep{"extradata":","}%%-:rest%
rule=auth,success,postfix:%session:char-to{"extradata":":"}%: client=%rdns:char-to{"extradata":"["}%[%.:@ipb%]:%port:number%, sasl_method=%mech:char-to{"extradata":","}%, sasl_username=%user:char-sep{"extradata":","}%%-:rest%

# ------------------------------------------------------------------ sshd
rule=auth,failure,sshd:Failed %mech:word% for invalid user %user:word% from %.:@ip% port %port:number% ssh2%-:rest%
rule=auth,failure,sshd:Failed %mech:word% for %user:word% from %.:@ip% port %port:number% ssh2%-:rest%
rule=auth,success,sshd:Accepted %mech:word% for %user:word% from %.:@ip% port %port:number% ssh2%-:rest%
rule=auth,failure,sshd:Invalid user %user:word% from %.:@ip% port %port:number%
rule=auth,failure,sshd:Invalid user %user:word% from %.:@ip%
rule=auth,failure,sshd:error: PAM: Authentication failure for %user:word% from %rdns:word%

# ------------------------------------------------------------------ vpopmail
rule=auth,failure,vpopmail:vchkpw-%service:char-to{"extradata":":"}%: password fail (pass: '%-:char-to{"extradata":"'"}%') %user:char-to{"extradata":":"}%:%.:@ip%
rule=auth,failure,vpopmail:vchkpw-%service:char-to{"extradata":":"}%: password fail %user:char-to{"extradata":":"}%:%.:@ip%
rule=auth,failure,vpopmail:vchkpw-%service:char-to{"extradata":":"}%: vpopmail user not found %user:char-to{"extradata":":"}%:%.:@ip%
rule=auth,failure,vpopmail:vchkpw-%service:char-to{"extradata":":"}%: null password given %user:char-to{"extradata":":"}%:%.:@ip%
rule=auth,success,vpopmail:vchkpw-%service:char-to{"extradata":":"}%: (%mech:char-to{"extradata":")"}%) login success %user:char-to{"extradata":":"}%:%.:@ip%

# ------------------------------------------------------------------ courier
rule=auth,failure,courier:LOGIN FAILED, user=%user:char-to{"extradata":","}%, ip=[%.:@ipb%]%-:rest%
rule=auth,success,courier:LOGIN, user=%user:char-to{"extradata":","}%, ip=[%.:@ipb%], port=[%port:number%]%-:rest%
rule=auth,failure,courier:error,relay=%.:@ipc%,msg="535 Authentication failed.",cmd: %cmd:rest%
rule=auth,failure,courier:error,relay=%.:@ipc%,port=%port:number%,msg="535 Authentication failed.",cmd: %cmd:rest%

# ------------------------------------------------------------------ PAM
rule=auth,failure,pam:pam_unix(%service:char-to{"extradata":":"}%:auth): authentication failure; logname= uid=%-:number% euid=%-:number% tty=%-:char-to{"extradata":" "}% ruser=%ruser:char-sep{"extradata":" "}% rhost=%.:@ip%  user=%user:word%
rule=auth,failure,pam:pam_unix(%service:char-to{"extradata":":"}%:auth): authentication failure; logname= uid=%-:number% euid=%-:number% tty=%-:char-to{"extradata":" "}% ruser=%ruser:char-sep{"extradata":" "}% rhost=%.:@ip%

# ------------------------------------------------------------------ cyrus
rule=auth,failure,cyrus:badlogin: %rdns:word% [%.:@ipb%] %mech:word% %user:word% SASL(%-:char-to{"extradata":")"}%): %reason:rest%
rule=auth,failure,cyrus:badlogin: %rdns:word% [%.:@ipb%] %mech:word% [%reason:rest%
rule=auth,success,cyrus:login: %rdns:word% [%.:@ipb%] %user:word% %mech:word% User logged in%-:rest%

# ------------------------------------------------------------------ sendmail
rule=auth,failure,sendmail:%session:char-to{"extradata":":"}%: AUTH failure (%mech:char-to{"extradata":")"}%): %reason:char-to{"extradata":","}%, user=%user:char-to{"extradata":","}%, relay=[%.:@ipb%]%-:rest%
rule=auth,failure,sendmail:%session:char-to{"extradata":":"}%: AUTH failure (%mech:char-to{"extradata":")"}%): %reason:char-to{"extradata":","}%, user=%user:char-to{"extradata":","}%, relay=%rdns:word% [%.:@ipb%]%-:rest%
rule=auth,success,sendmail:%session:char-to{"extradata":":"}%: AUTH=server, relay=%rdns:word% [%.:@ipb%], authid=%user:char-to{"extradata":","}%, mech=%mech:char-to{"extradata":","}%, bits=%-:number%
rule=auth,success,sendmail:%session:char-to{"extradata":":"}%: AUTH=server, relay=[%.:@ipb%], authid=%user:char-to{"extradata":","}%, mech=%mech:char-to{"extradata":","}%, bits=%-:number%

# ------------------------------------------------------------------ UW imapd / ipop3d
rule=auth,failure,uw-imap:Login failed user=%user:word% auth=%-:word% host=[%.:@ipb%]
rule=auth,failure,uw-imap:Login failed user=%user:word% auth=%-:word% host=%rdns:word% [%.:@ipb%]
rule=auth,success,uw-imap:Login user=%user:word% host=%rdns:word% [%.:@ipb%]%-:rest%
rule=auth,success,uw-imap:Authenticated user=%user:word% host=%rdns:word% [%.:@ipb%]%-:rest%
rule=auth,success,uw-imap:Auth user=%user:word% host=%rdns:word% [%.:@ipb%]%-:rest%

# ------------------------------------------------------------------ roundcube
rule=auth,success,roundcube:Successful login for %user:word% (ID: %-:number%) from %.:@ip% in session %session:word%
rule=auth,failure,roundcube:IMAP Error: Login failed for %user:word% from %.:@ipd%. %reason:rest%
rule=auth,failure,roundcube:IMAP Error: Login failed for %user:word% from %proxy:char-to{"extradata":"("}%(X-Forwarded-For: %.:@ipp%). %reason:rest%

# ------------------------------------------------------------------ horde
rule=auth,failure,horde:[%app:char-to{"extradata":"]"}%] FAILED LOGIN for %user:word% [%.:@ipb%] to %-:rest%
rule=auth,success,horde:[%app:char-to{"extradata":"]"}%] Login success for %user:word% [%.:@ipb%] to %-:rest%

# ------------------------------------------------------------------ cPanel (access log via imfile)
rule=auth,success,cpanel:[%-:date-iso% %-:time-24hr% %-:char-to{"extradata":"]"}%] info [%-:char-to{"extradata":"]"}%] %.:@ip% - %user:word% - SUCCESS LOGIN %service:word%
rule=auth,failure,cpanel:[%-:date-iso% %-:time-24hr% %-:char-to{"extradata":"]"}%] info [%-:char-to{"extradata":"]"}%] %.:@ip% - %user:word% "%request:char-to{"extradata":"\""}%" FAILED LOGIN %service:char-to{"extradata":":"}%: %reason:rest%

# ------------------------------------------------------------------ Xeams (login log via imfile)
rule=auth,success,xeams:%-:date-iso% %-:time-24hr%,%-:number% - [%service:char-to{"extradata":"]"}%] {%tls:char-to{"extradata":"}"}%} - %user:word% - %.:@ip% (%country:char-to{"extradata":")"}%)

# ------------------------------------------------------------------ lfd (csf)
rule=block,lfd:(%service:char-to{"extradata":")"}%) Failed %-:char-to{"extradata":" "}% login from %.:@ip% (%geo:char-to{"extradata":")"}%): %count:number% in the last %window:number% secs%-:rest%
rule=block,lfd:(%service:char-to{"extradata":")"}%) Failed %-:char-to{"extradata":" "}% AUTH login from %.:@ip% (%geo:char-to{"extradata":")"}%): %count:number% in the last %window:number% secs%-:rest%
rule=block,lfd:%.:@ip% (%geo:char-to{"extradata":")"}%), %count:number% distributed %service:word% attacks on account [%user:char-to{"extradata":"]"}%] in the last %window:number% secs%-:rest%

# ------------------------------------------------------------------ solid-pop3d
rule=auth,failure,solid-pop3d:authentication failed for user %user:word% - %.:@ip%
rule=auth,failure,solid-pop3d:authentication failed: no such user: %user:word% - %.:@ip%

# ------------------------------------------------------------------ perdition
rule=auth,perdition:Auth: %.:@ip%:%port:number%->%server_ip:char-to{"extradata":":"}%:%-:number% client-secure=%tls:word% authorisation_id=%-:word% authentication_id="%user:char-to{"extradata":"\""}%" server="%server:char-to{"extradata":"\""}%" protocol=%service:word% server-secure=%-:word% status="%status:char-to{"extradata":"\""}%"
