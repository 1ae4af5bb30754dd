//! zkml-msgpack (under construction).
