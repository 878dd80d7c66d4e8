#!/usr/bin/perl
# asn-csv2mmdb.pl - turn ip-location-db's ASN CSV files into one MaxMind DB.
#
# usage: asn-csv2mmdb.pl OUT.mmdb asn-ipv4.csv [asn-ipv6.csv]
#
# Input lines (npm package @ip-location-db/asn):
#   first_ip,last_ip,asn,"organisation, maybe quoted"
# Output: an IPv6 tree with IPv4 aliased (so one file answers both
# families), database_type "ip-location-db-ASN", GeoLite2-ASN keys
# (autonomous_system_number as uint32, autonomous_system_organization),
# which mmauthparse reads as an ASN database.  Written to OUT.mmdb.tmp and
# renamed, so a running rsyslog can pick it up with a HUP.
#
# The data comes from DB-IP (CC BY 4.0), RouteViews and the NRO; see the
# licence files in the npm package.
# SPDX-License-Identifier: Apache-2.0
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

@ARGV >= 2 or die "usage: $0 OUT.mmdb asn-ipv4.csv [asn-ipv6.csv]\n";
my ($out, @csv) = @ARGV;

my %types = (
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 6,
    record_size           => 28,
    database_type         => 'ip-location-db-ASN',
    languages             => ['en'],
    description           => { en => 'ASN data from ip-location-db (DB-IP, RouteViews, NRO)' },
    map_key_type_callback => sub { $types{ $_[0] } // die "no type for key $_[0]\n" },
    alias_ipv6_to_ipv4    => 1,
    remove_reserved_networks => 0,
);
# reproducible output for the same input
$tree->_set_build_epoch($ENV{SOURCE_DATE_EPOCH} // time());

# one CSV record: plain fields, or "quoted" ones with "" for a quote
sub fields {
    my ($line) = @_;
    my @f;
    while (length $line) {
        if ($line =~ s/^"((?:[^"]|"")*)"(?:,|$)//) {
            (my $v = $1) =~ s/""/"/g;
            push @f, $v;
        }
        elsif ($line =~ s/^([^,]*)(?:,|$)//) {
            push @f, $1;
        }
        else {
            last;
        }
    }
    return @f;
}

my ($n, $bad, $aliased) = (0, 0, 0);
for my $file (@csv) {
    open my $fh, '<:encoding(UTF-8)', $file or die "$file: $!\n";
    while (my $line = <$fh>) {
        $line =~ s/\r?\n\z//;
        next if $line eq '';
        my ($from, $to, $asn, $org) = fields($line);
        if (!defined $org || $asn !~ /^\d+$/ || $asn == 0 || $asn > 4294967295) {
            $bad++;
            next;
        }
        my %rec = (autonomous_system_number => $asn + 0);
        $rec{autonomous_system_organization} = $org if $org ne '';
        eval { $tree->insert_range($from, $to, \%rec); 1 } or do {
            # Teredo (2001::/32) and 6to4 (2002::/16) point at the IPv4
            # data in this tree: their own rows cannot be stored
            if ($@ =~ /aliased network/) {
                $aliased++;
                next;
            }
            $bad++;
            warn "$file:$.: $@" if $bad <= 5;
            next;
        };
        $n++;
    }
    close $fh;
}
open my $fh, '>:raw', "$out.tmp" or die "$out.tmp: $!\n";
$tree->write_tree($fh);
close $fh or die "$out.tmp: $!\n";
rename "$out.tmp", $out or die "rename $out.tmp: $!\n";
print STDERR "asn-csv2mmdb: $n ranges written to $out",
    ($aliased ? ", $aliased in aliased IPv6 ranges left out" : ''),
    ($bad ? ", $bad bad lines skipped" : ''), "\n";
