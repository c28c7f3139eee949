/** The app's one client: tokens in this module's memory only. */
import { ApiClient } from './client'
import { TeacherApi } from './teacher'

export const apiClient = new ApiClient()
export const api = new TeacherApi(apiClient)

export { ApiError, isApiError } from './errors'
