/** Seed 001's GraphQL schema, extended to projects, members and tasks. Served at GET /graphql/schema.graphql. */
export const typeDefs = /* GraphQL */ `
  "An ISO 8601 instant"
  scalar DateTime
  "Any JSON value"
  scalar JSON

  type Query {
    "Every user (users:read)"
    users(page: Int = 1, limit: Int = 20): [User!]!
    "A user: yourself, or anyone with users:read"
    user(id: ID!): User
    "Posts you may see: published ones, and your drafts (every draft for moderators)"
    posts(userId: ID, published: Boolean, page: Int = 1, limit: Int = 20): [Post!]!
    post(id: ID!): Post
    "Projects you own or belong to"
    projects(name: String, status: ProjectStatus, page: Int = 1, limit: Int = 20): [Project!]!
    project(id: ID!): Project
    "A project's tasks, filtered like GET /projects/{id}/tasks"
    tasks(
      projectId: ID!
      status: TaskStatus
      priority: TaskPriority
      assigneeId: ID
      tag: String
      page: Int = 1
      limit: Int = 20
    ): [Task!]!
    task(id: ID!): Task
  }

  type Mutation {
    "Admins only"
    createUser(input: CreateUserInput!): User!
    "Your own name; another user's, or an email, with users:update"
    updateUser(id: ID!, input: UpdateUserInput!): User!
    createPost(input: CreatePostInput!): Post!
    updatePost(id: ID!, input: UpdatePostInput!): Post!
    deletePost(id: ID!): Boolean!
    createProject(input: CreateProjectInput!): Project!
    updateProject(id: ID!, input: UpdateProjectInput!): Project!
    addMember(projectId: ID!, userId: ID!, role: MemberRole = member): Member!
    createTask(projectId: ID!, input: CreateTaskInput!): Task!
    updateTask(id: ID!, input: UpdateTaskInput!): Task!
    deleteTask(id: ID!): Boolean!
  }

  type User {
    id: ID!
    name: String!
    email: String!
    "The user's posts you may see, newest first"
    posts: [Post!]!
    createdAt: DateTime!
    updatedAt: DateTime!
  }

  type Post {
    id: ID!
    title: String!
    content: String!
    published: Boolean!
    authorId: ID!
    author: User!
    createdAt: DateTime!
    updatedAt: DateTime!
  }

  enum ProjectStatus { active archived }
  enum MemberRole { owner admin member viewer }
  enum TaskStatus { todo in_progress review done }
  enum TaskPriority { low medium high urgent }

  type Project {
    id: ID!
    name: String!
    description: String
    status: ProjectStatus!
    settings: JSON!
    ownerId: ID!
    owner: User!
    "Your role in it (null for an administrator who is not a member)"
    role: MemberRole
    members: [Member!]!
    "Its tasks, newest first"
    tasks(status: TaskStatus): [Task!]!
    createdAt: DateTime!
    updatedAt: DateTime!
  }

  type Member {
    userId: ID!
    role: MemberRole!
    joinedAt: DateTime!
    user: User!
  }

  type Task {
    id: ID!
    projectId: ID!
    title: String!
    description: String
    status: TaskStatus!
    priority: TaskPriority!
    assigneeId: ID
    assignee: User
    dueDate: DateTime
    tags: [String!]!
    createdBy: ID
    createdAt: DateTime!
    updatedAt: DateTime!
  }

  input CreateUserInput { name: String!, email: String!, password: String! }
  input UpdateUserInput { name: String, email: String }
  input CreatePostInput { title: String!, content: String!, published: Boolean }
  input UpdatePostInput { title: String, content: String, published: Boolean }
  input CreateProjectInput { name: String!, description: String, settings: JSON }
  input UpdateProjectInput { name: String, description: String, status: ProjectStatus, settings: JSON }
  input CreateTaskInput {
    title: String!
    description: String
    status: TaskStatus
    priority: TaskPriority
    assigneeId: ID
    dueDate: DateTime
    tags: [String!]
  }
  input UpdateTaskInput {
    title: String
    description: String
    status: TaskStatus
    priority: TaskPriority
    assigneeId: ID
    dueDate: DateTime
    tags: [String!]
  }
`
