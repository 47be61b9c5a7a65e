package io.quorumd.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.crypto.Ed25519;
import io.quorumd.wire.Member;
import io.quorumd.wire.Role;
import io.quorumd.wire.Roster;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code federation.roster}: names, base64 public keys and roles, refusing duplicates. */
final class RosterReader {
    private RosterReader() {
    }

    static Roster read(YamlSection federation) {
        List<JsonNode> entries = federation.list("roster");
        String path = federation.pathOf("roster");
        if (entries.isEmpty()) {
            federation.problem("roster", "is required and must list at least one member");
        }
        List<Member> members = new ArrayList<>();
        Map<String, String> namesSeen = new HashMap<>();
        Map<Bytes, String> keysSeen = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            String at = path + "[" + i + "]";
            YamlSection e = new YamlSection(entries.get(i), at, federation.problems(), federation.env());
            String name = e.requiredString("name");
            Bytes key = publicKey(e);
            Set<Role> roles = roles(e);
            e.finish();
            if (name == null || key == null) {
                continue;
            }
            String clash = namesSeen.putIfAbsent(name, at);
            if (clash != null) {
                e.problem("name", "name " + name + " already used by " + clash);
                continue;
            }
            String keyClash = keysSeen.putIfAbsent(key, name);
            if (keyClash != null) {
                e.problem("publicKey", "same public key as " + keyClash);
                continue;
            }
            members.add(new Member(name, key, roles));
        }
        return new Roster(members);
    }

    private static Bytes publicKey(YamlSection e) {
        String text = e.requiredString("publicKey");
        if (text == null) {
            return null;
        }
        try {
            Bytes key = Bytes.fromBase64(text.trim());
            if (key.length() != Ed25519.PUBLIC_KEY_BYTES) {
                e.problem("publicKey", "must be 32 bytes (base64 of the raw Ed25519 public key), got " + key.length());
                return null;
            }
            return key;
        } catch (IllegalArgumentException ex) {
            e.problem("publicKey", "is not standard base64 with padding");
            return null;
        }
    }

    private static Set<Role> roles(YamlSection e) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        List<JsonNode> list = e.list("roles");
        for (int j = 0; j < list.size(); j++) {
            JsonNode r = list.get(j);
            String at = "roles[" + j + "]";
            if (!r.isTextual()) {
                e.problem(at, "must be one of voter, arbiter, fallback-arbiter, replica");
                continue;
            }
            Role.ofCode(r.textValue()).ifPresentOrElse(roles::add,
                    () -> e.problem(at, "'" + r.textValue() + "' is not one of voter, arbiter, fallback-arbiter, replica"));
        }
        if (roles.contains(Role.ARBITER) && roles.contains(Role.FALLBACK_ARBITER)) {
            e.problem("roles", "a member is either a primary arbiter or a fallback arbiter, not both");
        }
        return roles;
    }
}
