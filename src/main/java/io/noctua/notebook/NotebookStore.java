package io.noctua.notebook;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Where notebooks are kept. A notebook's name is unique in its workgroup. */
public interface NotebookStore {
    /** False if the workgroup has a notebook of that name. {@code clientRequestToken} may be null. */
    boolean insert(Notebook notebook, String payload, String clientRequestToken);

    Optional<Notebook> get(String notebookId);

    /** The notebook's .ipynb document. */
    Optional<String> payload(String notebookId);

    /** The notebook an earlier create or import with this token made. */
    Optional<Notebook> byClientRequestToken(String clientRequestToken);

    /** A workgroup's notebooks in name order, after {@code afterName} (null: from the first), whose name contains {@code nameContains}. */
    List<Notebook> list(String workGroup, String nameContains, String afterName, int limit);

    void updatePayload(String notebookId, String payload, Instant lastModifiedTime);

    /** False if the workgroup has another notebook of that name. */
    boolean rename(String notebookId, String name, Instant lastModifiedTime);

    boolean delete(String notebookId);
}
