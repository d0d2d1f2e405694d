//! SSH keys: key files, signatures, fingerprints, randomart, known_hosts, authorized_keys, agent messages
