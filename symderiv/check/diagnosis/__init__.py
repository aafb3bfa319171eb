"""Why a refuted equation fails: where it holds, the kind of slip, a proved correction."""
