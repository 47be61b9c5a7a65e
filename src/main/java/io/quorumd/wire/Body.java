package io.quorumd.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The typed body of a signed envelope. Its JSON form is exactly what gets signed. */
public interface Body {
    ObjectNode toJson();
}
