//! Which addresses are not on the public internet: the classifier behind the destination policy.
//!
//! IPv4 follows the IANA special-purpose registry (RFC 6890 and its updates). For IPv6, only
//! global unicast (`2000::/3`) is public, less the blocks inside it that are not (documentation,
//! the IETF protocol block with Teredo, whose tunnelled address is hidden); the forms that carry
//! an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64
//! `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`) are judged by the IPv4 address they carry, since
//! that is where a packet to them ends up.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 blocks that are not public destinations: (network, prefix length, what it is).
const V4_REFUSED: &[([u8; 4], u8, &str)] = &[
    ([0, 0, 0, 0], 8, "an unspecified (\"this network\") address"),
    ([10, 0, 0, 0], 8, "a private address"),
    ([100, 64, 0, 0], 10, "a shared (carrier-grade NAT) address"),
    ([127, 0, 0, 0], 8, "a loopback address"),
    ([169, 254, 0, 0], 16, "a link-local address"),
    ([172, 16, 0, 0], 12, "a private address"),
    ([192, 0, 0, 0], 24, "a reserved (IETF protocol) address"),
    ([192, 0, 2, 0], 24, "a documentation address"),
    ([192, 88, 99, 0], 24, "a reserved (6to4 relay) address"),
    ([192, 168, 0, 0], 16, "a private address"),
    ([198, 18, 0, 0], 15, "a benchmarking address"),
    ([198, 51, 100, 0], 24, "a documentation address"),
    ([203, 0, 113, 0], 24, "a documentation address"),
    ([224, 0, 0, 0], 4, "a multicast address"),
    ([255, 255, 255, 255], 32, "the broadcast address"),
    ([240, 0, 0, 0], 4, "a reserved address"),
];

/// What `ip` is when it is not a public destination (`"a loopback address"`, …); `None` when it
/// is one.
pub fn refused_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(ip);
    V4_REFUSED.iter().find_map(|(net, prefix, what)| {
        let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
        (bits & mask == u32::from(Ipv4Addr::from(*net))).then_some(*what)
    })
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    let within = |net: u128, prefix: u32| {
        let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
        bits & mask == net
    };
    // The IPv4 address in its last 32 bits, or (6to4) in bits 16 to 48.
    let low_v4 = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    let six_to_four_v4 = Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32);
    if ip.is_unspecified() {
        Some("an unspecified address")
    } else if ip.is_loopback() {
        Some("a loopback address")
    } else if within(0xffff_0000_0000, 96) {
        // IPv4-mapped: the socket talks IPv4 to the address it carries.
        refused_v4(low_v4)
    } else if within(0, 96) {
        // IPv4-compatible (deprecated, RFC 4291): never a destination of its own.
        Some(refused_v4(low_v4).unwrap_or("an IPv4-compatible address (deprecated)"))
    } else if within(0x0064_ff9b_u128 << 96, 96) {
        // NAT64 (RFC 6052): the gateway forwards to the IPv4 address it carries.
        refused_v4(low_v4)
    } else if within(0x2002_u128 << 112, 16) {
        // 6to4 (RFC 3056): the relay forwards to the IPv4 address it carries.
        refused_v4(six_to_four_v4)
    } else if within(0xff00_u128 << 112, 8) {
        Some("a multicast address")
    } else if within(0xfe80_u128 << 112, 10) {
        Some("a link-local address")
    } else if within(0xfec0_u128 << 112, 10) {
        Some("a site-local address (deprecated)")
    } else if within(0xfc00_u128 << 112, 7) {
        Some("a unique-local address")
    } else if within(0x2001_0db8_u128 << 96, 32) || within(0x3fff_u128 << 112, 20) {
        Some("a documentation address")
    } else if within(0x2001_u128 << 112, 23) {
        // Teredo (2001::/32), ORCHID and the other IETF protocol assignments.
        Some("a reserved (IETF protocol) address")
    } else if !within(0x2_u128 << 124, 3) {
        // Local-use NAT64 (64:ff9b:1::/48), discard-only (100::/64) and unassigned space.
        Some("a reserved address")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: &str) -> Option<&'static str> {
        refused_range(s.parse().expect("an IP address"))
    }

    #[test]
    fn loopback_private_and_link_local_ipv4_addresses_are_refused() {
        assert_eq!(refused("127.0.0.1"), Some("a loopback address"));
        assert_eq!(refused("127.255.255.254"), Some("a loopback address"));
        assert_eq!(refused("10.1.2.3"), Some("a private address"));
        assert_eq!(refused("172.16.0.1"), Some("a private address"));
        assert_eq!(refused("172.31.255.255"), Some("a private address"));
        assert_eq!(refused("192.168.1.1"), Some("a private address"));
        assert_eq!(refused("169.254.169.254"), Some("a link-local address"));
        assert_eq!(
            refused("100.64.0.1"),
            Some("a shared (carrier-grade NAT) address")
        );
        assert_eq!(
            refused("0.0.0.0"),
            Some("an unspecified (\"this network\") address")
        );
        assert_eq!(
            refused("0.1.2.3"),
            Some("an unspecified (\"this network\") address")
        );
    }

    #[test]
    fn multicast_broadcast_and_reserved_ipv4_addresses_are_refused() {
        assert_eq!(refused("224.0.0.1"), Some("a multicast address"));
        assert_eq!(refused("239.255.255.250"), Some("a multicast address"));
        assert_eq!(refused("255.255.255.255"), Some("the broadcast address"));
        assert_eq!(refused("240.0.0.1"), Some("a reserved address"));
        assert_eq!(refused("192.0.2.10"), Some("a documentation address"));
        assert_eq!(refused("198.18.0.1"), Some("a benchmarking address"));
    }

    #[test]
    fn the_edges_of_refused_ipv4_blocks_are_public() {
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "223.255.255.255",
        ] {
            assert_eq!(refused(public), None, "{public}");
        }
    }

    #[test]
    fn loopback_unspecified_local_and_multicast_ipv6_addresses_are_refused() {
        assert_eq!(refused("::1"), Some("a loopback address"));
        assert_eq!(refused("::"), Some("an unspecified address"));
        assert_eq!(refused("fe80::1"), Some("a link-local address"));
        assert_eq!(refused("febf::1"), Some("a link-local address"));
        assert_eq!(refused("fc00::1"), Some("a unique-local address"));
        assert_eq!(refused("fd12:3456::1"), Some("a unique-local address"));
        assert_eq!(refused("ff02::1"), Some("a multicast address"));
        assert_eq!(
            refused("fec0::1"),
            Some("a site-local address (deprecated)")
        );
        assert_eq!(refused("2001:db8::1"), Some("a documentation address"));
        assert_eq!(
            refused("2001:0:4136:e378::1"),
            Some("a reserved (IETF protocol) address")
        );
        assert_eq!(refused("64:ff9b:1::1"), Some("a reserved address"));
        assert_eq!(refused("100::1"), Some("a reserved address"));
    }

    #[test]
    fn ipv6_forms_carrying_an_ipv4_address_are_judged_by_it() {
        // IPv4-mapped, in both notations.
        assert_eq!(refused("::ffff:127.0.0.1"), Some("a loopback address"));
        assert_eq!(refused("::ffff:7f00:1"), Some("a loopback address"));
        assert_eq!(
            refused("::ffff:169.254.169.254"),
            Some("a link-local address")
        );
        assert_eq!(refused("::ffff:10.0.0.1"), Some("a private address"));
        assert_eq!(refused("::ffff:8.8.8.8"), None);
        // IPv4-compatible (deprecated): refused whatever it carries.
        assert_eq!(refused("::127.0.0.1"), Some("a loopback address"));
        assert_eq!(
            refused("::8.8.8.8"),
            Some("an IPv4-compatible address (deprecated)")
        );
        // NAT64 and 6to4.
        assert_eq!(refused("64:ff9b::127.0.0.1"), Some("a loopback address"));
        assert_eq!(refused("64:ff9b::808:808"), None);
        assert_eq!(refused("2002:7f00:1::1"), Some("a loopback address"));
        assert_eq!(refused("2002:a9fe:a9fe::"), Some("a link-local address"));
        assert_eq!(refused("2002:808:808::1"), None);
    }

    #[test]
    fn global_unicast_ipv6_addresses_are_public() {
        for public in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450::1",
        ] {
            assert_eq!(refused(public), None, "{public}");
        }
    }
}
